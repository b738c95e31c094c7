package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestIngestVerifiersUseTheRealSchemes(t *testing.T) {
	v := verifiers("whsec_test", 5*time.Minute, "")
	if _, ok := v["adyen"]; ok {
		t.Error("adyen verified without a key")
	}
	body := []byte(`{"id":"evt_1","object":"event"}`)
	ts := time.Now().Unix()
	mac := hmac.New(sha256.New, []byte("whsec_test"))
	fmt.Fprintf(mac, "%d.%s", ts, body)
	good := fmt.Sprintf("t=%d,v1=%s", ts, hex.EncodeToString(mac.Sum(nil)))
	if err := v["stripe"](http.Header{"Stripe-Signature": {good}}, body); err != nil {
		t.Fatalf("valid Stripe signature rejected: %v", err)
	}
	if err := v["stripe"](http.Header{"Stripe-Signature": {good}}, append(body, ' ')); err == nil {
		t.Error("a tampered body passed")
	}
	if err := v["stripe"](http.Header{}, body); err == nil {
		t.Error("a missing Stripe-Signature passed")
	}
}
