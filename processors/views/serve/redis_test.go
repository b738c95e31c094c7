package serve

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

const noRedis = "FINTRA_REDIS_URL not set: run deploy/local/services.sh up and eval \"$(bash deploy/local/services.sh env)\""

// redisURL is the test server's URL; without one the test skips, except in
// CI, where integration tests are mandatory.
func redisURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("FINTRA_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(noRedis)
		}
		t.Skip(noRedis)
	}
	return url
}

// openRedis opens a store on a key prefix of the test's own, whose keys are
// deleted when the test ends.
func openRedis(t *testing.T) *RedisStore {
	t.Helper()
	url := redisURL(t)
	name := strings.NewReplacer("/", "_", "Integration", "").Replace(t.Name())
	prefix := fmt.Sprintf("fintra:test:serve:%s_%d:", name, time.Now().UnixNano()%1e9)
	ctx := context.Background()
	s, err := OpenRedis(ctx, url, RedisOptions{KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer s.Close()
		var keys []string
		iter := s.client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		err := iter.Err()
		if err == nil && len(keys) > 0 {
			err = s.client.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("clean up %s: %v", prefix, err)
		}
	})
	return s
}

func TestIntegrationRedisStore(t *testing.T) {
	s := openRedis(t)
	fx := withRaw(t, fixtures(t))
	for _, f := range fx {
		if err := s.client.Set(context.Background(), s.Key(f.account), f.raw, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	checkAPI(t, startServer(t, s), fx)
}

// TestRedisStoreDown: a Redis that does not answer is a 503 with
// Retry-After, on the views and on /healthz.
func TestRedisStoreDown(t *testing.T) {
	// A closed client fails every command at once.
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	client.Close()
	s, err := NewRedisStore(client, RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	base := startServer(t, s)
	a := get(t, base+"/v1/accounts/acc-alice")
	wantError(t, "redis down", a, 503, "did not answer")
	if a.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	wantError(t, "healthz", get(t, base+"/healthz"), 503, "not ready")
}

func TestRedisOptionsValidate(t *testing.T) {
	if _, err := NewRedisStore(nil, RedisOptions{KeyPrefix: "a b:"}); err == nil {
		t.Fatal("a key prefix with a space was accepted")
	}
}
