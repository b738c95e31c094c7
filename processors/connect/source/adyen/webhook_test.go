package adyen

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestVerifyWebhookBalancePlatformHeader(t *testing.T) {
	key := strings.Repeat("ab", 32)
	body := []byte(`{"type":"balancePlatform.transaction.created","data":{}}`)
	raw, _ := hex.DecodeString(key)
	mac := hmac.New(sha256.New, raw)
	mac.Write(body)
	good := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if err := VerifyWebhook(good, body, key); err != nil {
		t.Fatal(err)
	}
	if err := VerifyWebhook(good, append(body, ' '), key); !errors.Is(err, ErrHMACMismatch) {
		t.Errorf("tampered body: %v", err)
	}
	if err := VerifyWebhook("", body, key); !errors.Is(err, ErrNoHMACSignature) {
		t.Errorf("missing header: %v", err)
	}
}

func TestVerifyWebhookNamesTheFailingItem(t *testing.T) {
	body := []byte(`{"live":"false","notificationItems":[{"NotificationRequestItem":{"pspReference":"A","eventCode":"AUTHORISATION","success":"true","amount":{"value":100,"currency":"EUR"},"additionalData":{"hmacSignature":"AAAA"}}}]}`)
	err := VerifyWebhook("", body, strings.Repeat("ab", 32))
	if !errors.Is(err, ErrHMACMismatch) || !strings.HasPrefix(err.Error(), "notificationItems[0]") {
		t.Errorf("%v", err)
	}
}
