// Imported before the handler: Powertools reads these when the handler module creates its tools.
// Quiet logs and traces; real metrics, so the test can read the embedded metric format output.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
