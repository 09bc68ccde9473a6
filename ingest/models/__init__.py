from ingest.ebok import models as ebok  # noqa: F401  (the portal tables)
from ingest.models import billing as billing
from ingest.models import master as master
from ingest.models import radio as radio
from ingest.models import readings as readings
