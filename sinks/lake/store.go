package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// store is where objects live: a local directory or an S3 bucket. Keys
// are slash-separated paths relative to the sink's root.
type store interface {
	// Put writes the object atomically: a reader sees the old object or
	// the whole new one, never part of it. It is durable when Put returns.
	Put(ctx context.Context, key string, data []byte) error
	// Get reads a whole object.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes the object; a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the keys that start with prefix, in no particular order.
	List(ctx context.Context, prefix string) ([]string, error)
	// String names the store in logs.
	String() string
}

// tmpPrefix starts the names of the file store's temporary files.
const tmpPrefix = ".tmp-"

// fileStore keeps objects as files under a directory. Put writes a
// temporary file in the object's directory, fsyncs it, renames it over the
// object and fsyncs the directory, so an object is either absent, the old
// one or the complete new one, even after a crash.
type fileStore struct{ root string }

func newFileStore(root string) (*fileStore, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return &fileStore{root: root}, nil
}

func (f *fileStore) String() string { return "file://" + filepath.ToSlash(f.root) }

func (f *fileStore) path(key string) string { return filepath.Join(f.root, filepath.FromSlash(key)) }

func (f *fileStore) Put(_ context.Context, key string, data []byte) (err error) {
	name := f.path(key)
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (f *fileStore) Get(_ context.Context, key string) ([]byte, error) {
	return os.ReadFile(f.path(key))
}

func (f *fileStore) Delete(_ context.Context, key string) error {
	name := f.path(key)
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(name))
}

func (f *fileStore) List(_ context.Context, prefix string) ([]string, error) {
	// Walk only the deepest directory the prefix names.
	dir := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i]
	}
	var keys []string
	err := filepath.WalkDir(f.path(dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil
		}
		rel, err := filepath.Rel(f.root, p)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	return keys, err
}

// multipartThreshold is the size from which objects are uploaded in parts
// (and the part size): S3 puts a single-request object atomically, and a
// multipart upload becomes visible only when it completes.
const multipartThreshold = 16 << 20

// s3Store keeps objects in an S3 bucket under a key prefix.
type s3Store struct {
	client   *s3.Client
	uploader *manager.Uploader
	bucket   string
	prefix   string // "" or ends with "/"
}

func newS3Store(ctx context.Context, bucket, prefix string, opts Options) (*s3Store, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("lake: AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
			// S3-compatible stores differ in the flexible checksums the
			// SDK adds by default (versitygw returns a whole-object CRC32
			// for multipart objects that the SDK's check rejects): use
			// them only where the API requires them.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
		o.UsePathStyle = opts.PathStyle
	})
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &s3Store{
		client:   client,
		uploader: manager.NewUploader(client, func(u *manager.Uploader) { u.PartSize = multipartThreshold }),
		bucket:   bucket,
		prefix:   prefix,
	}, nil
}

func (s *s3Store) String() string { return "s3://" + s.bucket + "/" + s.prefix }

func (s *s3Store) Put(ctx context.Context, key string, data []byte) error {
	// Below PartSize the uploader sends one PutObject; above, a multipart
	// upload that it aborts if a part fails.
	_, err := s.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(s.bucket),
		Key:         aws.String(s.prefix + key),
		Body:        bytes.NewReader(data),
		ContentType: aws.String("application/vnd.apache.parquet"),
	})
	return err
}

func (s *s3Store) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (s *s3Store) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key)})
	return err
}

func (s *s3Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix + prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, strings.TrimPrefix(aws.ToString(o.Key), s.prefix))
		}
	}
	return keys, nil
}

// openStore opens the store a URL names: s3://bucket[/prefix] or
// file:///dir.
func openStore(ctx context.Context, rawURL string, opts Options) (store, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("lake: %q is not a s3:// or file:// URL", rawURL)
	}
	switch scheme {
	case "s3":
		bucket, prefix, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return nil, fmt.Errorf("lake: %q names no bucket", rawURL)
		}
		return newS3Store(ctx, bucket, strings.Trim(path.Clean("/"+prefix), "/"), opts)
	case "file":
		if rest == "" || !strings.HasPrefix(rest, "/") {
			return nil, fmt.Errorf("lake: %q is not file:///absolute/dir", rawURL)
		}
		return newFileStore(filepath.FromSlash(rest))
	default:
		return nil, fmt.Errorf("lake: unknown scheme %q in %q (want s3 or file)", scheme, rawURL)
	}
}
