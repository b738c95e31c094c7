package main

import (
	"context"
	"flag"
	"fmt"
	"net"

	"github.com/lovoo/goka"

	"github.com/fintraos/fintra/processors/views/serve"
)

func serveCommand() command {
	return command{
		name: "serve", summary: "serve the read API of the account views over HTTP", usage: "--redis-url URL | --brokers HOSTS [--addr 127.0.0.1:8081]",
		help: `Serves GET /v1/accounts/{id} (the account's view JSON) and
GET /v1/accounts/{id}/transactions (its last 20 transactions), with
ETag "v<version>" (If-None-Match gives 304) and Cache-Control: no-cache;
404 for an unknown account, 400 for an invalid id, JSON errors; GET /healthz.
With --redis-url (or FINTRA_REDIS_URL) the views are read from the keys the
redis sink writes (fintra:view:account:<id>); otherwise from views-table on
--brokers through a goka view held in memory (503 until it has loaded the
table). SIGINT/SIGTERM stop accepting, finish requests in flight, and exit.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (read views-table through a goka view; required without --redis-url)")
			redisURL := fs.String("redis-url", "", "read the views from this Redis (redis://host:port/db), as the redis sink writes them; takes precedence over --brokers")
			keyPrefix := fs.String("redis-key-prefix", "fintra:view:account:", "Redis key prefix of the views")
			addr := fs.String("addr", "127.0.0.1:8081", "address to listen on")
			logLevel := fs.String("log-level", "info", "debug, info, warn or error")
			return func(inv invocation) error {
				if len(inv.args) > 0 {
					return usageErrorf("unexpected argument %q", inv.args[0])
				}
				log, err := logger(inv.stderr, *logLevel)
				if err != nil {
					return err
				}
				cfg := serve.Config{Addr: *addr}
				if err := cfg.Validate(); err != nil {
					return errUsage{err.Error()}
				}
				var (
					store serve.Store
					view  *goka.View
				)
				if *redisURL != "" {
					rs, err := serve.OpenRedis(inv.ctx, *redisURL, serve.RedisOptions{KeyPrefix: *keyPrefix})
					if err != nil {
						return usageErrorf("--redis-url: %v", err)
					}
					defer rs.Close()
					store = rs
				} else {
					if len(b.brokers) == 0 {
						return usageErrorf("give --redis-url (or FINTRA_REDIS_URL) to read the views from Redis, or --brokers (or FINTRA_BROKERS) to read views-table from Kafka")
					}
					opts, err := b.runtime().ViewOptions()
					if err != nil {
						return errUsage{err.Error()}
					}
					// Reconnect after a broker outage instead of stopping
					// the server; the views already loaded keep answering.
					view, err = serve.NewGokaView(b.brokers, append(opts, goka.WithViewAutoReconnect())...)
					if err != nil {
						return err
					}
					store = serve.NewGokaStore(view)
				}
				srv, err := serve.New(cfg, store, log)
				if err != nil {
					return errUsage{err.Error()}
				}
				ln, err := net.Listen("tcp", *addr)
				if err != nil {
					return usageErrorf("--addr %s: %v", *addr, err)
				}
				log.Info("views API listening", "url", fmt.Sprintf("http://%s/v1/accounts/{id}", ln.Addr()), "store", storeName(*redisURL))
				if view == nil {
					return srv.Serve(inv.ctx, ln)
				}
				// The view stops after the server, so that no request reads
				// a stopped view; if the view fails, the server stops too.
				serveCtx, stopServe := context.WithCancel(inv.ctx)
				defer stopServe()
				viewCtx, stopView := context.WithCancel(context.Background())
				defer stopView()
				viewDone := make(chan error, 1)
				go func() {
					err := view.Run(viewCtx)
					stopServe()
					viewDone <- err
				}()
				err = srv.Serve(serveCtx, ln)
				stopView()
				if verr := <-viewDone; verr != nil && err == nil {
					err = fmt.Errorf("views-table view: %w", verr)
				}
				return err
			}
		},
	}
}

func storeName(redisURL string) string {
	if redisURL != "" {
		return "redis"
	}
	return "goka view of views-table"
}
