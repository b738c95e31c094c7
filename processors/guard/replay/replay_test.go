package replay

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/fintraos/fintra/processors/guard/features"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/sinks/lake"
)

const awsSample = "../testdata/fraud-aws-samples/transaction_data_2K_coldstart.csv"

func TestAWSFraudCSV(t *testing.T) {
	f, err := os.Open(awsSample)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := AWSFraudCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]int{}
	for _, r := range recs {
		labels[r.Label]++
	}
	// PROVENANCE.md: 910 rows, 53 fraud, 398 legit, 459 unlabelled.
	if len(recs) != 910 || labels["1"] != 53 || labels["0"] != 398 || labels[""] != 459 {
		t.Fatalf("%d records, labels %v", len(recs), labels)
	}
	first := recs[0].Tx.GetAccepted().GetTransaction()
	// 0,2022-12-24T15:53:30Z,...,shopping_net,7.53,BIF,fraud_Gerlach Inc
	if recs[0].ID != "101208c0a99b601c4b11a8fb8fedc75d6" || first.GetAmountMinor() != -753 || first.GetCurrency() != UnknownCurrency ||
		first.GetMerchantName() != "fraud_Gerlach Inc" || first.GetMcc() != "5964" ||
		first.GetContext().GetChannel() != fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT || first.GetContext().GetEmailDomain() != "lynch.org" ||
		!first.GetContext().GetHasLocation() || first.GetAccountId() != "070-69-2161" {
		t.Errorf("first row mapped to %v", first)
	}
	var out bytes.Buffer
	rows, err := WriteFeaturesCSV(&out, recs)
	if err != nil || rows != 910 {
		t.Fatalf("rows %d, %v", rows, err)
	}
	all, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(all[0], ",") != strings.Join(CSVHeader(), ",") || len(all[1]) != 4+features.NumFeatures {
		t.Errorf("header %v", all[0])
	}
	for i := 2; i < len(all); i++ {
		if all[i][2] < all[i-1][2] {
			t.Fatalf("row %d is earlier than the row before it", i)
		}
	}
}

func TestAWSFraudCSVRejects(t *testing.T) {
	head := "EVENT_LABEL,EVENT_TIMESTAMP,EVENT_ID,ENTITY_ID,billing_zip,billing_latitude,billing_longitude,billing_country,ip_address,customer_email,user_agent,product_category,order_price,payment_currency,merchant\n"
	for name, body := range map[string]string{
		"float price":  "0,2022-12-24T15:53:30Z,e1,a1,1,1,1,US,1.1.1.1,a@b.c,ua,travel,7.535,USD,m\n",
		"bad label":    "x,2022-12-24T15:53:30Z,e1,a1,1,1,1,US,1.1.1.1,a@b.c,ua,travel,7.53,USD,m\n",
		"bad time":     "0,24/12/2022,e1,a1,1,1,1,US,1.1.1.1,a@b.c,ua,travel,7.53,USD,m\n",
		"missing cols": "",
	} {
		in := head + body
		if name == "missing cols" {
			in = "EVENT_ID,ENTITY_ID\n"
		}
		if _, err := AWSFraudCSV(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	recs, err := AWSFraudCSV(strings.NewReader(head + ",2022-12-24T15:53:30Z,e1,a1,1,,,US,1.1.1.1,a@b.c,ua,travel,7.5,EUR,m\n"))
	if err != nil || recs[0].Tx.Accepted.Transaction.Currency != "EUR" || recs[0].Tx.Accepted.Transaction.AmountMinor != -750 {
		t.Errorf("EUR row: %v %v", recs, err)
	}
}

func TestSynthCSV(t *testing.T) {
	recs, err := Synth(SynthConfig{Accounts: 50, Days: 10, Seed: 1, FraudRate: 0.03})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := WriteFeaturesCSV(&a, recs); err != nil {
		t.Fatal(err)
	}
	recs2, _ := Synth(SynthConfig{Accounts: 50, Days: 10, Seed: 1, FraudRate: 0.03})
	WriteFeaturesCSV(&b, recs2)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same config writes different CSVs")
	}
	if !strings.Contains(a.String(), ",1,") {
		t.Error("no fraud row")
	}
	if err := (SynthConfig{}).Validate(); err == nil || !strings.Contains(err.Error(), "fraud-rate") {
		t.Errorf("zero config: %v", err)
	}
}

func TestFintraJSON(t *testing.T) {
	lines := `{"account_id":"a1","transaction_id":"t1","status":"posted","amount_minor":-500,"currency":"USD","occurred_at":"2026-01-05T10:00:00Z"}
{"account_id":"a1","transaction_id":"t0","status":"posted","amount_minor":-100,"currency":"USD","occurred_at":"2026-01-05T09:00:00Z"}
`
	recs, err := FintraJSON(strings.NewReader(lines))
	if err != nil || len(recs) != 2 {
		t.Fatalf("%v %v", recs, err)
	}
	arr, err := FintraJSON(strings.NewReader("[" + strings.Replace(strings.TrimSpace(lines), "\n", ",", 1) + "]"))
	if err != nil || len(arr) != 2 || arr[0].ID != "t1" {
		t.Fatalf("array: %v %v", arr, err)
	}
	Sort(recs)
	if recs[0].ID != "t0" {
		t.Errorf("not sorted by event time: %s first", recs[0].ID)
	}
	if _, err := FintraJSON(strings.NewReader(`{"account_id":"a1"}`)); err == nil {
		t.Error("invalid payload accepted")
	}
}

func TestLakeParquet(t *testing.T) {
	dir := t.TempDir()
	desc, mcc := "SQ *BLUE BOTTLE", "5814"
	at := func(min int) time.Time { return time.Date(2026, 1, 5, 10, min, 0, 0, time.UTC) }
	rows := []lake.Row{
		{EventID: "e2", AccountID: "a1", Type: "transaction_created", Status: "posted", Source: "fintra-json", SourceTransactionID: "t2",
			AmountMinor: -700, Currency: "USD", OccurredAt: at(5), Description: &desc, MCC: &mcc, Sequence: 2, Category: "FOOD_AND_DRINK_COFFEE"},
		{EventID: "e1", AccountID: "a1", Type: "transaction_created", Status: "pending", Source: "fintra-json", SourceTransactionID: "t1",
			AmountMinor: -500, Currency: "USD", OccurredAt: at(0), Sequence: 1, Merchant: "Blue Bottle", MerchantEntityID: "blue-bottle"},
	}
	sub := filepath.Join(dir, "transactions", "dt=2026-01-05")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"core.transactions.v1-0-0-1.parquet", "core.transactions.v1-0-0-1.replay.parquet"} {
		if err := parquet.WriteFile(filepath.Join(sub, name), rows); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := LakeParquet(filepath.Join(dir, "transactions"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2 (one per event_id)", len(recs))
	}
	var out bytes.Buffer
	if n, err := WriteFeaturesCSV(&out, recs); err != nil || n != 2 {
		t.Fatalf("%d rows, %v", n, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[1], "t1,a1,2026-01-05T10:00:00Z,,") || !strings.HasPrefix(lines[2], "t2,a1,2026-01-05T10:05:00Z,,") {
		t.Errorf("rows:\n%s", out.String())
	}
	if recs[1].Tx.GetMerchant().GetEntityId() != "blue-bottle" && recs[0].Tx.GetMerchant().GetEntityId() != "blue-bottle" {
		t.Error("merchant entity lost")
	}
	if _, err := LakeParquet(t.TempDir()); err == nil {
		t.Error("an empty directory reads")
	}
}
