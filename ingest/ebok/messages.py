"""The portal's one message catalogue: every user-visible text, Polish first, English second.

Templates call ``t(key)``; a missing key fails loudly in tests instead of showing a raw key to a customer.
"""

from __future__ import annotations

LANGS = ("pl", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "app_title": ("eBOK — Elektroniczne Biuro Obsługi Klienta", "eBOK — customer self-service"),
    "login": ("Zaloguj się", "Log in"),
    "logout": ("Wyloguj", "Log out"),
    "login_id": ("Numer użytkownika lub e-mail", "User number or e-mail"),
    "password": ("Hasło", "Password"),
    "password2": ("Powtórz hasło", "Repeat password"),
    "login_failed": ("Nieprawidłowy login lub hasło albo konto nie zostało aktywowane.",
                     "Wrong login or password, or the account is not activated."),
    "throttled": ("Zbyt wiele prób. Spróbuj ponownie za minutę.", "Too many attempts. Try again in a minute."),
    "csrf_failed": ("Formularz wygasł lub jest nieprawidłowy. Odśwież stronę i spróbuj ponownie.",
                    "The form expired or is invalid. Reload the page and try again."),
    "register": ("Załóż konto", "Register"),
    "register_intro": ("Podaj numer jednej ze swoich faktur i jej kwotę brutto — to potwierdza zawartą umowę.",
                       "Enter the number of one of your invoices and its gross amount: this proves your contract."),
    "invoice_number": ("Numer faktury", "Invoice number"),
    "invoice_gross": ("Kwota brutto faktury (zł)", "Invoice gross amount (PLN)"),
    "email": ("Adres e-mail", "E-mail address"),
    "phone": ("Telefon (opcjonalnie)", "Phone (optional)"),
    "accept_terms": ("Akceptuję regulamin eBOK", "I accept the eBOK terms"),
    "terms": ("Regulamin (PDF)", "Terms (PDF)"),
    "captcha": ("Przepisz kod z obrazka", "Type the code from the picture"),
    "register_sent": ("Jeśli dane są poprawne, wysłaliśmy na podany adres e-mail link aktywacyjny.",
                      "If the details are correct, we have sent an activation link to the e-mail address."),
    "register_refused": ("Nie można założyć konta z podanymi danymi. Sprawdź dane i spróbuj ponownie.",
                         "An account cannot be created with these details. Check them and try again."),
    "captcha_wrong": ("Kod z obrazka jest nieprawidłowy.", "The picture code is wrong."),
    "terms_required": ("Wymagana jest akceptacja regulaminu.", "You must accept the terms."),
    "password_weak": ("Hasło musi mieć co najmniej 10 znaków, a oba hasła muszą być zgodne.",
                      "The password needs at least 10 characters and both passwords must match."),
    "field_too_long": ("Pole jest za długie", "Field is too long"),
    "email_invalid": ("Nieprawidłowy adres e-mail.", "Invalid e-mail address."),
    "activated": ("Konto zostało aktywowane. Możesz się zalogować.", "The account is activated. You can log in."),
    "link_invalid": ("Link jest nieprawidłowy lub wygasł.", "The link is invalid or has expired."),
    "forgot": ("Nie pamiętasz hasła?", "Forgot your password?"),
    "reset": ("Ustaw nowe hasło", "Set a new password"),
    "reset_sent": ("Jeśli konto istnieje, wysłaliśmy link do zmiany hasła.",
                   "If the account exists, we have sent a link to reset the password."),
    "reset_done": ("Hasło zostało zmienione. Możesz się zalogować.", "The password is changed. You can log in."),
    "send": ("Wyślij", "Send"),
    "dashboard": ("Pulpit", "Dashboard"),
    "balance": ("Saldo", "Balance"),
    "balance_due": ("Do zapłaty", "Amount due"),
    "balance_over": ("Nadpłata", "Overpayment"),
    "balance_hidden": ("Saldo tego klienta jest niedostępne dla zarządcy części jego nieruchomości.",
                       "This customer's balance is not shown to a manager of only part of their premises."),
    "invoices": ("Faktury", "Invoices"),
    "invoice": ("Faktura", "Invoice"),
    "issue_date": ("Data wystawienia", "Issue date"),
    "due_date": ("Termin płatności", "Due date"),
    "period": ("Okres", "Period"),
    "gross": ("Brutto", "Gross"),
    "net": ("Netto", "Net"),
    "vat": ("VAT", "VAT"),
    "status": ("Status", "Status"),
    "paid": ("zapłacona", "paid"),
    "unpaid": ("niezapłacona", "unpaid"),
    "pdf": ("PDF", "PDF"),
    "pay": ("Zapłać", "Pay"),
    "transfer_details": ("Dane do przelewu", "Transfer details"),
    "recipient": ("Odbiorca", "Recipient"),
    "account_number": ("Numer rachunku (indywidualny)", "Account number (your own)"),
    "amount": ("Kwota", "Amount"),
    "title": ("Tytuł", "Title"),
    "qr_hint": ("Zeskanuj kod w aplikacji banku.", "Scan the code in your banking app."),
    "payments": ("Wpłaty", "Payments"),
    "notes": ("Noty", "Notes"),
    "date": ("Data", "Date"),
    "description": ("Opis", "Description"),
    "none": ("Brak pozycji.", "Nothing here."),
    "money_hidden": ("Niedostępne dla zarządcy części nieruchomości klienta.",
                     "Not available to a manager of only part of the customer's premises."),
    "readings": ("Odczyty", "Readings"),
    "contract": ("Umowa", "Contract"),
    "contracts": ("Umowy", "Contracts"),
    "contract_date": ("Data umowy", "Contract date"),
    "premises": ("Punkt / adres", "Premises / address"),
    "meters": ("Wodomierze", "Meters"),
    "meter": ("Wodomierz", "Meter"),
    "role_main": ("główny", "main"),
    "role_garden": ("ogrodowy", "garden"),
    "role_sewage": ("ściekowy", "sewage"),
    "read_at": ("Data odczytu", "Read at"),
    "total_m3": ("Stan (m³)", "Register (m³)"),
    "source": ("Źródło", "Source"),
    "src_van": ("odczyt radiowy", "radio (van)"),
    "src_customer": ("klient", "customer"),
    "src_manual": ("inkasent", "meter reader"),
    "src_import": ("import", "import"),
    "src_estimate": ("szacunek", "estimate"),
    "consumption": ("Zużycie w okresach rozliczeniowych (m³)", "Consumption per billing period (m³)"),
    "submit_reading": ("Podaj odczyt", "Submit a reading"),
    "reading_value": ("Stan licznika (m³)", "Meter register (m³)"),
    "reading_ok": ("Odczyt został przyjęty i zostanie użyty w najbliższym rozliczeniu.",
                   "The reading is accepted and will be used by the next billing run."),
    "reading_rejected": ("Odczyt odrzucony", "Reading rejected"),
    "reading_not_number": ("Stan licznika musi być liczbą, np. 123,456.",
                           "The register must be a number, e.g. 123.456."),
    "not_found": ("Nie znaleziono.", "Not found."),
    "forbidden_manager": ("Ta operacja jest niedostępna dla zarządcy części nieruchomości klienta.",
                          "This is not available to a manager of only part of the customer's premises."),
    "einvoice": ("eFAKTURA", "e-Invoice"),
    "einvoice_intro": ("Faktury będą wysyłane e-mailem jako PDF, a abonament naliczany wg stawki dla eFAKTURY "
                       "od następnego okresu.",
                       "Invoices will be e-mailed as PDFs and the abonament charged at the e-invoice rate "
                       "from the next period."),
    "einvoice_on": ("eFAKTURA włączona od", "e-Invoice on from"),
    "einvoice_enable": ("Włącz eFAKTURĘ", "Switch to e-invoice"),
    "einvoice_done": ("eFAKTURA została włączona.", "e-Invoice is switched on."),
    "einvoice_active": ("eFAKTURA", "e-Invoice"),
    "paper_from": ("Faktury papierowe od", "Paper invoices from"),
    "einvoice_disable": ("Wróć do faktur papierowych", "Back to paper invoices"),
    "tickets": ("Korespondencja", "Correspondence"),
    "ticket": ("Zgłoszenie", "Ticket"),
    "ticket_kind": ("Rodzaj", "Kind"),
    "kind_failure": ("Zgłoszenie awarii", "Failure report"),
    "kind_quality": ("Reklamacja jakości wody", "Water-quality complaint"),
    "kind_data_change": ("Zmiana danych strony umowy", "Change of the contract party's data"),
    "subject": ("Temat", "Subject"),
    "message": ("Treść", "Message"),
    "ticket_filed": ("Zgłoszenie zostało zarejestrowane pod numerem", "The ticket is filed with number"),
    "open": ("otwarte", "open"),
    "closed": ("zamknięte", "closed"),
    "required": ("To pole jest wymagane", "This field is required"),
    "manager_of": ("Zarządca", "Manager"),
    "customer": ("Klient", "Customer"),
    "user_number": ("Numer użytkownika", "User number"),
    "language": ("English", "Polski"),
    "save": ("Zapisz", "Save"),
}


def _make(index: int):  # type: ignore[no-untyped-def]
    def t(key: str) -> str:
        return MESSAGES[key][index]

    return t


_TRANSLATORS = {lang: _make(i) for i, lang in enumerate(LANGS)}


def translator(lang: str):  # type: ignore[no-untyped-def]
    """``t(key)`` for one language; Polish when the language is unknown."""
    return _TRANSLATORS.get(lang, _TRANSLATORS["pl"])


# a refused reading, by the validator's reason code (``self_readings.REASONS`` holds the English wording)
READING_REASONS_PL: dict[str, str] = {
    "unknown_meter": "licznik {meter} nie jest znany",
    "staff_meter": "licznik {meter} to {role}; klienci podają odczyty tylko liczników głównych i ogrodowych",
    "no_total": "podaj stan licznika widoczny na wyświetlaczu",
    "not_register": "{total} nie jest stanem licznika",
    "future": "data odczytu {at} jest w przyszłości",
    "before_install": "data odczytu {day} jest wcześniejsza niż montaż licznika {meter} ({installed})",
    "replaced": "licznik {meter} został zdjęty {removed} i zastąpiony licznikiem {new}; podaj stan licznika {new}",
    "removed": "licznik {meter} został zdjęty {removed}",
    "above_later": "stan {total} m³ jest wyższy niż późniejszy odczyt {later} m³ z {later_at}",
    "below_previous": "stan {total} m³ jest niższy niż poprzedni odczyt {previous} m³ z {previous_at}, a nie "
                      "wyjaśnia tego ani wymiana licznika, ani przekręcenie się licznika",
    "below_initial": "stan {total} m³ jest niższy niż stan {previous} m³ przy montażu licznika {installed}, a nie "
                     "wyjaśnia tego ani wymiana licznika, ani przekręcenie się licznika",
    "duplicate": "odczyt tego licznika z tą chwilą jest już zapisany",
}
ROLES_PL = {"main": "licznik główny", "garden": "licznik ogrodowy", "sewage": "licznik ścieków",
            "intake": "licznik ujęcia wody"}
NUMBERS = ("total", "previous", "later")  # written with a decimal comma in Polish


def reading_reason(lang: str, code: str, params: dict[str, str]) -> str:
    """Why a reading was refused, in the page's language, from the validator's code and params."""
    if lang != "pl":
        from ingest.importers.self_readings import REASONS

        return REASONS[code].format(**params)
    values = {k: v.replace(".", ",") if k in NUMBERS else v for k, v in params.items()}
    if "role" in values:
        values["role"] = ROLES_PL.get(values["role"], values["role"])
    return READING_REASONS_PL[code].format(**values)
