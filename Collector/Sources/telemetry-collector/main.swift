// telemetry-collector: receives telemetryd's reports, counts them and shows the answers.
// Exit codes as telemetryd's: 0 success, 1 runtime failure, 2 usage or configuration error.
await Entry.main()
