package cost

// Price is the public on-demand price of one billable unit.
type Price struct {
	USD    float64 // per Unit
	Unit   string  // what one Unit is, as the price page counts it
	Source string  // the page the price is from
	// Confirmed says whether the figure was found quoted from Source in
	// public material (AWS's own or a transcription of the page) when the
	// table was dated; false means it is the price as last known and
	// should be checked on Source before it is quoted.
	Confirmed bool
}

// Table is a dated set of prices for one region and architecture.
type Table struct {
	AsOf   string // YYYY-MM-DD the prices were checked
	Region string
	Arch   string

	APIRequest       Price // REST API, first tier (first 333 million a month)
	LambdaRequest    Price
	LambdaGBSecond   Price // arm64, first tier (first 7.5 billion GB-s a month)
	ReadRequestUnit  Price // DynamoDB on-demand
	WriteRequestUnit Price // DynamoDB on-demand
	CustomEvent      Price // EventBridge, per 64 KB chunk
	SQSRequest       Price // standard queue, per 64 KB chunk, beyond the free million
	StateTransition  Price // Step Functions Standard
	ExpressRequest   Price // Step Functions Express
	ExpressGBSecond  Price // Step Functions Express, first tier
	LogGB            Price // CloudWatch Logs ingestion, Standard class, first tier
	AlarmMonth       Price // CloudWatch standard-resolution metric alarm
}

// USEast1 is the table the bench uses: us-east-1, arm64, on-demand, no
// free tier, first volume tier everywhere.
var USEast1 = Table{
	AsOf: "2026-12-07", Region: "us-east-1", Arch: "arm64",
	APIRequest:       Price{USD: 3.50 / 1e6, Unit: "request", Source: "https://aws.amazon.com/api-gateway/pricing/", Confirmed: true},
	LambdaRequest:    Price{USD: 0.20 / 1e6, Unit: "request", Source: "https://aws.amazon.com/lambda/pricing/", Confirmed: true},
	LambdaGBSecond:   Price{USD: 0.0000133334, Unit: "GB-second", Source: "https://aws.amazon.com/lambda/pricing/", Confirmed: true},
	ReadRequestUnit:  Price{USD: 0.125 / 1e6, Unit: "read request unit", Source: "https://aws.amazon.com/dynamodb/pricing/on-demand/"},
	WriteRequestUnit: Price{USD: 0.625 / 1e6, Unit: "write request unit", Source: "https://aws.amazon.com/dynamodb/pricing/on-demand/"},
	CustomEvent:      Price{USD: 1.00 / 1e6, Unit: "event (64 KB chunk)", Source: "https://aws.amazon.com/eventbridge/pricing/"},
	SQSRequest:       Price{USD: 0.40 / 1e6, Unit: "request (64 KB chunk)", Source: "https://aws.amazon.com/sqs/pricing/"},
	StateTransition:  Price{USD: 0.025 / 1e3, Unit: "state transition", Source: "https://aws.amazon.com/step-functions/pricing/", Confirmed: true},
	ExpressRequest:   Price{USD: 1.00 / 1e6, Unit: "request", Source: "https://aws.amazon.com/step-functions/pricing/", Confirmed: true},
	ExpressGBSecond:  Price{USD: 0.00001667, Unit: "GB-second", Source: "https://aws.amazon.com/step-functions/pricing/"},
	LogGB:            Price{USD: 0.50, Unit: "GB ingested", Source: "https://aws.amazon.com/cloudwatch/pricing/"},
	AlarmMonth:       Price{USD: 0.10, Unit: "alarm-month", Source: "https://aws.amazon.com/cloudwatch/pricing/"},
}
