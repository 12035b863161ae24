// Placeholder: the HTTPS transport and delivery engine land here.
import TelemetryCore
