package serve

import (
	"context"
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// RedisOptions configures a RedisStore.
type RedisOptions struct {
	// KeyPrefix is put before the account id to make the Redis key, as
	// sinks/redis writes it. Default "fintra:view:account:".
	KeyPrefix string
}

func (o *RedisOptions) setDefaults() {
	if o.KeyPrefix == "" {
		o.KeyPrefix = "fintra:view:account:"
	}
}

// Validate lists every problem of the options.
func (o RedisOptions) Validate() error {
	if strings.ContainsAny(o.KeyPrefix, " \t\r\n") {
		return fmt.Errorf("serve: redis key prefix %q contains white space", o.KeyPrefix)
	}
	return nil
}

// RedisStore reads the views sinks/redis keeps in Redis: one string per
// account, KeyPrefix+account_id, holding the view's JSON. Safe for
// concurrent use.
type RedisStore struct {
	client *goredis.Client
	opts   RedisOptions
}

var (
	_ Store   = (*RedisStore)(nil)
	_ Readier = (*RedisStore)(nil)
)

// OpenRedis connects to url (redis://host:port/db) and checks the server
// answers. Close the store when done.
func OpenRedis(ctx context.Context, url string, opts RedisOptions) (*RedisStore, error) {
	ropts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("serve: redis url: %w", err)
	}
	s, err := NewRedisStore(goredis.NewClient(ropts), opts)
	if err != nil {
		return nil, err
	}
	if err := s.client.Ping(ctx).Err(); err != nil {
		s.client.Close()
		return nil, fmt.Errorf("serve: redis %s: %w", ropts.Addr, err)
	}
	return s, nil
}

// NewRedisStore reads through client; Close closes it.
func NewRedisStore(client *goredis.Client, opts RedisOptions) (*RedisStore, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &RedisStore{client: client, opts: opts}, nil
}

// Key is the Redis key of an account's view.
func (s *RedisStore) Key(accountID string) string { return s.opts.KeyPrefix + accountID }

// View returns the stored JSON of the account's view.
func (s *RedisStore) View(ctx context.Context, accountID string) ([]byte, error) {
	b, err := s.client.Get(ctx, s.Key(accountID)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("%w: no key %s", ErrNotFound, s.Key(accountID))
	}
	if err != nil {
		return nil, fmt.Errorf("serve: redis get %s: %w", s.Key(accountID), err)
	}
	return b, nil
}

// Ready pings the server.
func (s *RedisStore) Ready(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Close closes the connections.
func (s *RedisStore) Close() error { return s.client.Close() }
