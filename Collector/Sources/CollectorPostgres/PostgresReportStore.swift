// The PostgreSQL ReportStore (Database=postgresql://…) lives here; it conforms to CollectorStore's
// ReportStore and passes ReportStoreConformance.
import CollectorCore
import CollectorStore
