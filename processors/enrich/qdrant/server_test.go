package qdrant_test

import (
	"cmp"
	"context"
	"math"
	"net"
	"slices"
	"sync"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// memQdrant is an in-process Qdrant for the adapter's tests: no Qdrant
// server can be installed on the build machine, so the tests serve the
// client's own generated service definitions (Qdrant, Collections, Points)
// over a real grpc.Server on a loopback listener. Only the methods the
// adapter calls are implemented; the store really keeps collections and
// points, evaluates keyword filters and ranks by cosine similarity, so the
// adapter's requests are checked by what they do, not by their shape. Any
// request it does not understand is answered with Unimplemented, which
// fails the test that sent it.
type memQdrant struct {
	mu          sync.Mutex
	collections map[string]*memCollection
	calls       map[string]int // full gRPC method name -> calls
	apiKeys     []string       // api-key header of every call
}

type memCollection struct {
	size     uint64
	distance qc.Distance
	metadata map[string]*qc.Value
	indexed  map[string]qc.PayloadSchemaType
	points   map[uint64]memPoint
}

type memPoint struct {
	vector  []float32
	payload map[string]*qc.Value
}

// startQdrant serves a memQdrant on a loopback port and returns it and its
// address; the server stops when the test ends.
func startQdrant(t *testing.T) (*memQdrant, string) {
	t.Helper()
	m := &memQdrant{collections: map[string]*memCollection{}, calls: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(m.record))
	qc.RegisterQdrantServer(srv, qdrantService{})
	qc.RegisterCollectionsServer(srv, collectionsService{m: m})
	qc.RegisterPointsServer(srv, pointsService{m: m})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return m, ln.Addr().String()
}

func (m *memQdrant) record(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	m.mu.Lock()
	m.calls[info.FullMethod]++
	m.apiKeys = append(m.apiKeys, md.Get("api-key")...)
	m.mu.Unlock()
	return handler(ctx, req)
}

func (m *memQdrant) callCount(method string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[method]
}

func (m *memQdrant) collection(name string) (*memCollection, error) {
	c, ok := m.collections[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

type qdrantService struct {
	qc.UnimplementedQdrantServer
}

func (qdrantService) HealthCheck(context.Context, *qc.HealthCheckRequest) (*qc.HealthCheckReply, error) {
	return &qc.HealthCheckReply{Title: "qdrant - vector search engine", Version: "1.16.0"}, nil
}

type collectionsService struct {
	qc.UnimplementedCollectionsServer
	m *memQdrant
}

func (s collectionsService) CollectionExists(_ context.Context, req *qc.CollectionExistsRequest) (*qc.CollectionExistsResponse, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	_, ok := s.m.collections[req.GetCollectionName()]
	return &qc.CollectionExistsResponse{Result: &qc.CollectionExists{Exists: ok}}, nil
}

func (s collectionsService) Create(_ context.Context, req *qc.CreateCollection) (*qc.CollectionOperationResponse, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if _, ok := s.m.collections[req.GetCollectionName()]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "Wrong input: Collection `%s` already exists!", req.GetCollectionName())
	}
	params := req.GetVectorsConfig().GetParams()
	if params == nil || params.GetSize() == 0 {
		return nil, status.Error(codes.InvalidArgument, "Wrong input: one unnamed dense vector with a size is required")
	}
	s.m.collections[req.GetCollectionName()] = &memCollection{
		size: params.GetSize(), distance: params.GetDistance(), metadata: req.GetMetadata(),
		indexed: map[string]qc.PayloadSchemaType{}, points: map[uint64]memPoint{},
	}
	return &qc.CollectionOperationResponse{Result: true}, nil
}

func (s collectionsService) Get(_ context.Context, req *qc.GetCollectionInfoRequest) (*qc.GetCollectionInfoResponse, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	c, err := s.m.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	schema := map[string]*qc.PayloadSchemaInfo{}
	for field, typ := range c.indexed {
		schema[field] = &qc.PayloadSchemaInfo{DataType: typ}
	}
	count := uint64(len(c.points))
	return &qc.GetCollectionInfoResponse{Result: &qc.CollectionInfo{
		Status: qc.CollectionStatus_Green,
		Config: &qc.CollectionConfig{
			Params:   &qc.CollectionParams{VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: c.size, Distance: c.distance})},
			Metadata: c.metadata,
		},
		PayloadSchema: schema,
		PointsCount:   &count,
	}}, nil
}

type pointsService struct {
	qc.UnimplementedPointsServer
	m *memQdrant
}

func completed() *qc.PointsOperationResponse {
	return &qc.PointsOperationResponse{Result: &qc.UpdateResult{Status: qc.UpdateStatus_Completed}}
}

func (s pointsService) CreateFieldIndex(_ context.Context, req *qc.CreateFieldIndexCollection) (*qc.PointsOperationResponse, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	c, err := s.m.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.GetFieldType() != qc.FieldType_FieldTypeKeyword {
		return nil, status.Errorf(codes.Unimplemented, "memQdrant indexes keyword fields only, not %s", req.GetFieldType())
	}
	c.indexed[req.GetFieldName()] = qc.PayloadSchemaType_Keyword
	return completed(), nil
}

func (s pointsService) Upsert(_ context.Context, req *qc.UpsertPoints) (*qc.PointsOperationResponse, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	c, err := s.m.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	for _, p := range req.GetPoints() {
		vec := p.GetVectors().GetVector().GetDense().GetData()
		if uint64(len(vec)) != c.size {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.size, len(vec))
		}
		id, ok := p.GetId().GetPointIdOptions().(*qc.PointId_Num)
		if !ok {
			return nil, status.Error(codes.Unimplemented, "memQdrant keeps numeric point ids only")
		}
		c.points[id.Num] = memPoint{vector: slices.Clone(vec), payload: p.GetPayload()}
	}
	return completed(), nil
}

func (s pointsService) Delete(_ context.Context, req *qc.DeletePoints) (*qc.PointsOperationResponse, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	c, err := s.m.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	filter := req.GetPoints().GetFilter()
	if filter == nil {
		return nil, status.Error(codes.Unimplemented, "memQdrant deletes by filter only")
	}
	for id, p := range c.points {
		ok, err := matches(filter, p.payload)
		if err != nil {
			return nil, err
		}
		if ok {
			delete(c.points, id)
		}
	}
	return completed(), nil
}

func (s pointsService) QueryBatch(_ context.Context, req *qc.QueryBatchPoints) (*qc.QueryBatchResponse, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	c, err := s.m.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if c.distance != qc.Distance_Cosine {
		return nil, status.Error(codes.Unimplemented, "memQdrant ranks by cosine only")
	}
	resp := &qc.QueryBatchResponse{}
	for _, q := range req.GetQueryPoints() {
		query := q.GetQuery().GetNearest().GetDense().GetData()
		if uint64(len(query)) != c.size {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.size, len(query))
		}
		var hits []*qc.ScoredPoint
		for id, p := range c.points {
			if q.GetFilter() != nil {
				ok, err := matches(q.GetFilter(), p.payload)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			hits = append(hits, &qc.ScoredPoint{Id: qc.NewIDNum(id), Score: cosine(query, p.vector), Payload: selectPayload(p.payload, q.GetWithPayload())})
		}
		slices.SortFunc(hits, func(a, b *qc.ScoredPoint) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.GetId().GetNum(), b.GetId().GetNum()))
		})
		limit := 10 // Qdrant's default
		if q.Limit != nil {
			limit = int(q.GetLimit())
		}
		resp.Result = append(resp.Result, &qc.BatchResult{Result: hits[:min(limit, len(hits))]})
	}
	return resp, nil
}

// matches evaluates a filter of keyword match conditions on a payload.
func matches(f *qc.Filter, payload map[string]*qc.Value) (bool, error) {
	if len(f.GetShould()) > 0 || len(f.GetMustNot()) > 0 || f.GetMinShould() != nil {
		return false, status.Error(codes.Unimplemented, "memQdrant evaluates must conditions only")
	}
	for _, cond := range f.GetMust() {
		field := cond.GetField()
		if field == nil {
			return false, status.Error(codes.Unimplemented, "memQdrant evaluates field conditions only")
		}
		v, ok := payload[field.GetKey()]
		if !ok {
			return false, nil
		}
		got := v.GetStringValue()
		switch m := field.GetMatch().GetMatchValue().(type) {
		case *qc.Match_Keyword:
			if got != m.Keyword {
				return false, nil
			}
		case *qc.Match_Keywords:
			if !slices.Contains(m.Keywords.GetStrings(), got) {
				return false, nil
			}
		default:
			return false, status.Errorf(codes.Unimplemented, "memQdrant matches keywords only, not %T", m)
		}
	}
	return true, nil
}

func selectPayload(payload map[string]*qc.Value, sel *qc.WithPayloadSelector) map[string]*qc.Value {
	switch s := sel.GetSelectorOptions().(type) {
	case *qc.WithPayloadSelector_Enable:
		if s.Enable {
			return payload
		}
		return nil
	case *qc.WithPayloadSelector_Include:
		out := map[string]*qc.Value{}
		for _, f := range s.Include.GetFields() {
			if v, ok := payload[f]; ok {
				out[f] = v
			}
		}
		return out
	default:
		return nil // Qdrant's default: no payload
	}
}

func cosine(a, b []float32) float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return float32(dot / math.Sqrt(na*nb))
}
