package replay

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/money"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// AWSSource is the source name of transactions read from the AWS Fraud
// Detector sample CSV.
const AWSSource = "aws-fraud-csv"

// UnknownCurrency is ISO 4217's "no currency" code, given to an AWS row
// whose payment_currency cannot hold a two-decimal price.
const UnknownCurrency = "XXX"

// awsProductMCC maps the sample's product_category (Sparkov's categories)
// to an ISO 18245 MCC.
var awsProductMCC = map[string]string{
	"entertainment":  "7832",
	"food_dining":    "5812",
	"gas_transport":  "5541",
	"grocery_net":    "5411",
	"grocery_pos":    "5411",
	"health_fitness": "7997",
	"home":           "5200",
	"kids_pets":      "5995",
	"misc_net":       "5999",
	"misc_pos":       "5999",
	"personal_care":  "7230",
	"shopping_net":   "5964",
	"shopping_pos":   "5311",
	"travel":         "4722",
}

// awsColumns are the columns the mapping needs.
var awsColumns = []string{"EVENT_LABEL", "EVENT_TIMESTAMP", "EVENT_ID", "ENTITY_ID", "billing_zip", "billing_latitude",
	"billing_longitude", "billing_country", "ip_address", "customer_email", "user_agent", "product_category",
	"order_price", "payment_currency", "merchant"}

// AWSFraudCSV reads the AWS Fraud Detector transaction sample
// (aws-samples/aws-fraud-detector-samples, data/coldstart) into records:
//
//   - EVENT_ID is the id and source transaction id, ENTITY_ID the
//     account, EVENT_TIMESTAMP the event time, EVENT_LABEL the label.
//   - order_price is money out, parsed as an exact decimal with at most
//     two places into hundredths (never a float). payment_currency is a
//     random code unrelated to the price (PROVENANCE.md): it is kept only
//     if its ISO 4217 exponent is 2, else the currency is XXX; the amount
//     is the same hundredths either way.
//   - Every row is card-not-present; ip_address, the domain of
//     customer_email, user_agent, billing country and zip go to the
//     payment context, and billing latitude/longitude as its location —
//     the customer's address, which the features do not treat as where a
//     card was.
//   - product_category becomes an MCC; merchant is the merchant name as
//     given, "fraud_" prefix included: the prefix is on every row and is
//     not a label.
func AWSFraudCSV(r io.Reader) ([]Record, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("replay: aws-fraud-csv header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	var missing []string
	for _, c := range awsColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("replay: aws-fraud-csv: columns %s missing: the header must be that of transaction_data_*_coldstart.csv", strings.Join(missing, ", "))
	}
	var out []Record
	for line := 2; ; line++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("replay: aws-fraud-csv: %w", err)
		}
		get := func(c string) string { return strings.TrimSpace(row[col[c]]) }
		rec, err := awsRecord(get)
		if err != nil {
			return nil, fmt.Errorf("replay: aws-fraud-csv line %d: %w", line, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

func awsRecord(get func(string) string) (Record, error) {
	var errs []error
	id, acct := get("EVENT_ID"), get("ENTITY_ID")
	if id == "" {
		errs = append(errs, errors.New("EVENT_ID is empty"))
	}
	if acct == "" {
		errs = append(errs, errors.New("ENTITY_ID is empty"))
	}
	label := get("EVENT_LABEL")
	if label != "" && label != "0" && label != "1" {
		errs = append(errs, fmt.Errorf("EVENT_LABEL %q: must be 1, 0 or empty", label))
	}
	at, err := time.Parse(time.RFC3339, get("EVENT_TIMESTAMP"))
	if err != nil {
		errs = append(errs, fmt.Errorf("EVENT_TIMESTAMP %q: must be RFC 3339, e.g. 2022-12-24T15:53:30Z", get("EVENT_TIMESTAMP")))
	}
	// Hundredths: "EUR" is only the unit of ParseMinor's two decimals here.
	price, err := money.ParseMinor(get("order_price"), "EUR")
	if err != nil {
		errs = append(errs, fmt.Errorf("order_price %q: must be a decimal with at most two places: %v", get("order_price"), err))
	}
	if price < 0 {
		errs = append(errs, fmt.Errorf("order_price %q: must not be negative", get("order_price")))
	}
	if len(errs) > 0 {
		return Record{}, errors.Join(errs...)
	}
	currency := get("payment_currency")
	if exp, ok := money.Exponent(currency); !ok || exp != 2 {
		currency = UnknownCurrency
	}
	ctx := &fintrav1.PaymentContext{
		Channel:           fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT,
		IpAddress:         get("ip_address"),
		UserAgent:         get("user_agent"),
		BillingCountry:    get("billing_country"),
		BillingPostalCode: get("billing_zip"),
	}
	if _, domain, ok := strings.Cut(get("customer_email"), "@"); ok {
		ctx.EmailDomain = strings.ToLower(domain)
	}
	lat, errLat := strconv.ParseFloat(get("billing_latitude"), 64)
	lon, errLon := strconv.ParseFloat(get("billing_longitude"), 64)
	if errLat == nil && errLon == nil {
		ctx.HasLocation, ctx.Latitude, ctx.Longitude = true, lat, lon
	}
	ts := timestamppb.New(at.UTC())
	tx := &fintrav1.Transaction{
		AccountId: acct, Source: AWSSource, SourceAccountId: acct, SourceTransactionId: id,
		AmountMinor: -price, Currency: currency, Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED,
		OccurredAt: ts, PostedAt: ts, MerchantName: get("merchant"), Description: get("merchant"),
		Mcc: awsProductMCC[get("product_category")], Context: ctx,
	}
	eventID := schemas.EventID(AWSSource, acct, id, fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED)
	at2 := &fintrav1.AcceptedTransaction{EventId: eventID, AccountId: acct, Type: fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED,
		Transaction: tx, OccurredAt: ts}
	return Record{ID: id, Label: label, Tx: &fintrav1.EnrichedTransaction{Accepted: at2}}, nil
}
