package sinktest

import (
	"os"
	"testing"
)

// Server returns the value of the environment variable that points a test
// at a store's server (FINTRA_PG_URL, FINTRA_REDIS_URL, FINTRA_S3_ENDPOINT).
// Without it the test skips with the way to get one, except under CI, where
// the integration tests are mandatory and it fails instead.
func Server(t testing.TB, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		msg := env + " not set: run deploy/local/services.sh up and eval \"$(deploy/local/services.sh env)\" (make test does)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return v
}
