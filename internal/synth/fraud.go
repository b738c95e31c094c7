package synth

import (
	"container/heap"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Labelled fraud (Config.FraudRate > 0). The patterns follow public
// descriptions of card and account fraud (issuer and network fraud
// bulletins, the Sparkov and AWS Fraud Detector sample generators):
//
//   - card_testing: a burst of tiny card-not-present purchases at one
//     online merchant, seconds apart, from a device and IP the account has
//     never used, some of them declined — a stolen card number being
//     checked before it is sold or used.
//   - account_takeover: a new device from another country, then large
//     transfers out to a new payee within minutes.
//   - impossible_travel: a card-present purchase at home, then another in
//     a far city minutes later (a cloned card).
//   - high_risk_spike: large purchases at a gambling, crypto, gift card or
//     money transfer merchant the account has never paid.
//   - slow_drain: small regular debits to a new payee every day or two,
//     each too small to notice.
//
// The label and the payment context travel beside the payload (Payload.
// Truth), not in it: fintra-json has no field for either, and producers
// never send a label.

// Truth is what the generator knows about a valid payload and a producer
// does not send: whether it is fraud, and how the payment was made.
type Truth struct {
	// Fraud is the label: the transaction belongs to a fraud pattern.
	Fraud bool
	// Pattern names the fraud pattern ("card_testing", ...); "" if legit.
	Pattern string
	// Context is how the payment was made; nil for a removal.
	Context *fintrav1.PaymentContext
}

// The patterns, in the order episodes are drawn from.
var fraudPatterns = [...]string{"card_testing", "account_takeover", "impossible_travel", "high_risk_spike", "slow_drain"}

// fraudPatternWeights: card testing is the commonest fraud on card
// networks, slow drains the rarest to be caught.
var fraudPatternWeights = [len(fraudPatterns)]int{35, 20, 15, 20, 10}

const streamFraud = 0xf4a0d

// fraudMerchant is a merchant fraud cashes out through.
type fraudMerchant struct {
	name, mcc, desc string
}

var (
	// cardTestingMerchants are small online shops with low-value goods.
	cardTestingMerchants = []fraudMerchant{
		{"Pixel Gift Hub", "5816", "PIXELGIFTHUB.COM"},
		{"QuickDonate", "8398", "QDONATE*CHARITY"},
		{"StreamBox Trial", "5815", "STREAMBOX*TRIAL"},
		{"Tiny Apps Store", "5817", "TINYAPPS.IO"},
	}
	highRiskMerchants = []fraudMerchant{
		{"Lucky Star Casino", "7995", "LUCKYSTAR*CASINO ONLINE"},
		{"CoinFlash", "6051", "COINFLASH*BTC PURCHASE"},
		{"GiftCardMall", "6540", "GIFTCARDMALL*LOAD"},
		{"SwiftRemit", "4829", "SWIFTREMIT*TRANSFER"},
		{"BetKing Sports", "7995", "BETKING*SPORTS"},
	}
	drainPayees    = []string{"NOVA SUBS LTD", "PRIME MEMBER SVC", "CLUB RENEWALS", "HEALTH PLUS MEMBERSHIP"}
	takeoverPayees = []string{"A. PETROV", "K. OKAFOR", "M. SANTOS", "J. LIN", "CRYPTO OTC DESK"}
	fraudCountries = []string{"RU", "NG", "BR", "RO", "VN", "UA", "ID"}
	fraudDomains   = []string{"protonmail.com", "mail.ru", "yandex.com", "tutanota.com", "guerrillamail.com"}
	homeDomains    = []string{"gmail.com", "outlook.com", "yahoo.com", "icloud.com", "gmx.de", "web.de", "orange.fr", "btinternet.com"}
)

// cityCoords are the coordinates (degrees) of the cities accounts live in.
var cityCoords = map[string][2]float64{
	"San Francisco": {37.7749, -122.4194}, "New York": {40.7128, -74.0060}, "Seattle": {47.6062, -122.3321},
	"Austin": {30.2672, -97.7431}, "Chicago": {41.8781, -87.6298}, "Los Angeles": {34.0522, -118.2437},
	"Boston": {42.3601, -71.0589}, "Denver": {39.7392, -104.9903}, "Miami": {25.7617, -80.1918},
	"Portland": {45.5152, -122.6784}, "Atlanta": {33.7490, -84.3880}, "Brooklyn": {40.6782, -73.9442},
	"Houston": {29.7604, -95.3698}, "Phoenix": {33.4484, -112.0740},
	"Toronto": {43.6532, -79.3832}, "Vancouver": {49.2827, -123.1207}, "Montréal": {45.5019, -73.5674},
	"Calgary": {51.0447, -114.0719}, "Ottawa": {45.4215, -75.6972},
	"London": {51.5072, -0.1276}, "Manchester": {53.4808, -2.2426}, "Birmingham": {52.4862, -1.8904},
	"Leeds": {53.8008, -1.5491}, "Glasgow": {55.8642, -4.2518}, "Edinburgh": {55.9533, -3.1883}, "Bristol": {51.4545, -2.5879},
	"Dublin": {53.3498, -6.2603}, "Cork": {51.8985, -8.4756}, "Galway": {53.2707, -9.0568}, "Limerick": {52.6638, -8.6267},
	"Berlin": {52.5200, 13.4050}, "München": {48.1351, 11.5820}, "Hamburg": {53.5511, 9.9937}, "Köln": {50.9375, 6.9603},
	"Frankfurt am Main": {50.1109, 8.6821}, "Stuttgart": {48.7758, 9.1829},
	"Paris": {48.8566, 2.3522}, "Lyon": {45.7640, 4.8357}, "Marseille": {43.2965, 5.3698}, "Toulouse": {43.6047, 1.4442}, "Bordeaux": {44.8378, -0.5792},
	"Amsterdam": {52.3676, 4.9041}, "Rotterdam": {51.9244, 4.4777}, "Utrecht": {52.0907, 5.1214}, "Den Haag": {52.0705, 4.3007},
	"Madrid": {40.4168, -3.7038}, "Barcelona": {41.3874, 2.1686}, "Valencia": {39.4699, -0.3763}, "Sevilla": {37.3891, -5.9845},
	"Milano": {45.4642, 9.1900}, "Roma": {41.9028, 12.4964}, "Torino": {45.0703, 7.6869}, "Bologna": {44.4949, 11.3426},
	"Sydney": {-33.8688, 151.2093}, "Melbourne": {-37.8136, 144.9631}, "Brisbane": {-27.4698, 153.0251},
	"Perth": {-31.9523, 115.8613}, "Adelaide": {-34.9285, 138.6007},
	"Tokyo": {35.6762, 139.6503}, "Osaka": {34.6937, 135.5023}, "Kyoto": {35.0116, 135.7681}, "Yokohama": {35.4437, 139.6380},
	"Zürich": {47.3769, 8.5417}, "Genève": {46.2044, 6.1432}, "Basel": {47.5596, 7.5886}, "Bern": {46.9480, 7.4474}, "Lausanne": {46.5197, 6.6323},
	"Manama": {26.2285, 50.5860}, "Muharraq": {26.2572, 50.6119}, "Riffa": {26.1300, 50.5550},
}

// fraudItem is one scheduled fraudulent transaction.
type fraudItem struct {
	due      float64 // stream clock, seconds since Start
	acct     int32
	pattern  uint8
	amount   int64 // minor units, signed
	desc     string
	merchant string
	mcc      string
	country  string
	city     string
	ctx      *fintrav1.PaymentContext
}

type fraudHeap []fraudItem

func (h fraudHeap) Len() int           { return len(h) }
func (h fraudHeap) Less(i, j int) bool { return h[i].due < h[j].due }
func (h fraudHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *fraudHeap) Push(x any)        { *h = append(*h, x.(fraudItem)) }
func (h *fraudHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// fraudState is the generator's fraud side; nil when FraudRate is 0, so
// the default stream does not draw a single extra random number.
type fraudState struct {
	rate      float64
	r         *rand.Rand
	zipf      *rand.Zipf
	queue     fraudHeap
	valid     int // valid payloads so far
	scheduled int // fraudulent ones scheduled so far
	// warmup is the stream time before which no episode starts: fraud on
	// an account with no history has nothing to stand out from.
	warmup float64
}

func newFraudState(cfg Config, accounts uint64) *fraudState {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), streamFraud))
	v := max(2, float64(cfg.Accounts)/100)
	span := float64(cfg.Events) * 86400 / (txPerDay * float64(cfg.Accounts))
	return &fraudState{rate: cfg.FraudRate, r: r, zipf: rand.NewZipf(r, zipfS, v, accounts-1), warmup: min(3*86400, span/5)}
}

// validTruth yields a due fraud transaction in fraud mode, if there is
// one. It keeps the fraud share near the rate (counted over the valid
// payloads after the warm-up) by starting an episode whenever the
// scheduled share falls below it.
func (g *Generator) validTruth() (Payload, bool) {
	f := g.fraud
	if g.now >= f.warmup {
		f.valid++
	}
	if len(f.queue) == 0 || f.queue[0].due > g.now {
		if g.now >= f.warmup && float64(f.scheduled) < f.rate*float64(f.valid) && f.r.Float64() < 0.5 {
			g.startEpisode()
		}
	}
	if len(f.queue) > 0 && f.queue[0].due <= g.now {
		it := heap.Pop(&f.queue).(fraudItem)
		return g.emitFraud(it), true
	}
	return Payload{}, false
}

func (g *Generator) emitFraud(it fraudItem) Payload {
	a := g.account(int(it.acct))
	now := g.clock()
	g.seq++
	t := txn{acct: a, seq: g.seq, typ: typeCreated, status: statusPosted, amount: it.amount, at: now, postedAt: now}
	t.desc = append(g.descBuf[:0], it.desc...)
	if a.detail >= 1 {
		t.mcc = it.mcc
	}
	if a.detail >= 2 {
		t.country, t.city = it.country, it.city
	}
	if a.detail >= 3 {
		t.merchant = it.merchant
	}
	g.buf = g.appendTxn(g.buf[:0], &t, flawNone)
	return Payload{Bytes: withContext(clone(g.buf), it.ctx), Key: g.key(a.idx), Kind: KindValid,
		Truth: &Truth{Fraud: true, Pattern: fraudPatterns[it.pattern], Context: it.ctx}}
}

// legitContext is the payment context of a legit transaction: the
// account's own devices, IP and email domain, its city's coordinates.
func (g *Generator) legitContext(t *txn) *fintrav1.PaymentContext {
	if t.typ == typeRemoved {
		return nil
	}
	a := &t.acct
	r := g.fraud.r
	ctx := &fintrav1.PaymentContext{}
	switch {
	case t.atm:
		ctx.Channel = fintrav1.Channel_CHANNEL_ATM
		g.locate(ctx, a.home, r)
	case t.card && t.present:
		ctx.Channel = fintrav1.Channel_CHANNEL_CARD_PRESENT
		g.locate(ctx, t.loc, r)
	case t.card:
		ctx.Channel = fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT
		g.ownDevice(ctx, a, r)
		ctx.BillingCountry = a.ctry.code
	default:
		ctx.Channel = fintrav1.Channel_CHANNEL_TRANSFER
		if t.amount < 0 {
			g.ownDevice(ctx, a, r)
		}
	}
	return ctx
}

// ownDevice: each account uses its phone mostly and a second device
// sometimes, from its home IP or, now and then, a mobile network's.
func (g *Generator) ownDevice(ctx *fintrav1.PaymentContext, a *account, r *rand.Rand) {
	dev := a.trait(traitDevice)
	if r.IntN(10) == 0 {
		dev = a.trait(traitDevice + 1)
	}
	ctx.DeviceId = "dev-" + strconv.FormatUint(dev%1e12, 36)
	ip := a.trait(traitIP)
	if r.IntN(8) == 0 {
		ip = a.trait(traitIP + 1 + uint64(r.IntN(3)))
	}
	ctx.IpAddress = ipString(ip)
	ctx.EmailDomain = homeDomains[a.trait(traitEmail)%uint64(len(homeDomains))]
}

func ipString(h uint64) string {
	b := make([]byte, 0, 15)
	b = strconv.AppendUint(b, 11+h%200, 10)
	for i := range 3 {
		b = append(b, '.')
		b = strconv.AppendUint(b, (h>>(8*(i+1)))%256, 10)
	}
	return string(b)
}

// locate sets coordinates a few km around the city's centre.
func (g *Generator) locate(ctx *fintrav1.PaymentContext, c *city, r *rand.Rand) {
	ll, ok := cityCoords[c.name]
	if !ok {
		return
	}
	ctx.HasLocation = true
	ctx.Latitude = ll[0] + (r.Float64()-0.5)*0.1
	ctx.Longitude = ll[1] + (r.Float64()-0.5)*0.1
}

const (
	traitDevice = 0x100 + iota
	traitIP     = 0x200
	traitEmail  = 0x300
)

// startEpisode schedules the transactions of one fraud episode on a busy
// account (fraud on a dormant account has no history to stand out from).
func (g *Generator) startEpisode() {
	f := g.fraud
	r := f.r
	idx := int((f.zipf.Uint64()*1_000_003 + g.permAdd) % g.accounts)
	a := g.account(idx)
	u := r.IntN(100)
	p := 0
	for acc := fraudPatternWeights[0]; u >= acc; acc += fraudPatternWeights[p] {
		p++
	}
	at := g.now
	push := func(it fraudItem) {
		it.acct, it.pattern = int32(idx), uint8(p)
		heap.Push(&f.queue, it)
		f.scheduled++
	}
	c := a.cur
	switch fraudPatterns[p] {
	case "card_testing":
		m := cardTestingMerchants[r.IntN(len(cardTestingMerchants))]
		dev, ip := "dev-"+strconv.FormatUint(r.Uint64()%1e12, 36), ipString(r.Uint64())
		dom := fraudDomains[r.IntN(len(fraudDomains))]
		for i, n := 0, 5+r.IntN(11); i < n; i++ {
			ctx := &fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT, DeviceId: dev, IpAddress: ip,
				EmailDomain: dom, BillingCountry: a.ctry.code, Declined: r.IntN(10) < 3}
			amount := c.minor(0.5 + 1.5*r.Float64())
			if i == n-1 && r.IntN(2) == 0 {
				amount = c.minor(50 + 250*r.Float64()) // the card works: now the real purchase
			}
			push(fraudItem{due: at, amount: -amount, desc: m.desc, merchant: m.name, mcc: m.mcc, ctx: ctx})
			at += 5 + 55*r.Float64()
		}
	case "account_takeover":
		ctry := fraudCountries[r.IntN(len(fraudCountries))]
		dev, ip := "dev-"+strconv.FormatUint(r.Uint64()%1e12, 36), ipString(r.Uint64())
		dom := fraudDomains[r.IntN(len(fraudDomains))]
		payee := takeoverPayees[r.IntN(len(takeoverPayees))]
		for i, n := 0, 1+r.IntN(3); i < n; i++ {
			ctx := fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_TRANSFER, DeviceId: dev, IpAddress: ip,
				EmailDomain: dom, BillingCountry: ctry}
			amount := c.whole(c.minor(logUniform(r, 800, 6000)), 10)
			push(fraudItem{due: at, amount: -amount, desc: "TRANSFER TO " + payee + " REF " + strconv.Itoa(100000+r.IntN(900000)),
				mcc: "4829", country: ctry, ctx: &ctx})
			at += 120 + 1080*r.Float64()
		}
	case "impossible_travel":
		home := a.home
		far := g.farCity(a.cc, r)
		for i, loc := range []*city{home, far} {
			ctx := &fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_CARD_PRESENT}
			g.locate(ctx, loc, r)
			m := [...]fraudMerchant{{"Electro Depot", "5732", "ELECTRO DEPOT " + loc.upper}, {"Gold & Co Jewellers", "5944", "GOLD AND CO " + loc.upper}}[r.IntN(2)]
			amount := c.minor(logUniform(r, 40, 400))
			if i == 1 {
				amount = c.minor(logUniform(r, 300, 2500))
			}
			push(fraudItem{due: at, amount: -amount, desc: m.desc, merchant: m.name, mcc: m.mcc, city: loc.name, country: g.countryOf(loc), ctx: ctx})
			at += 300 + 1500*r.Float64()
		}
	case "high_risk_spike":
		m := highRiskMerchants[r.IntN(len(highRiskMerchants))]
		for i, n := 0, 1+r.IntN(3); i < n; i++ {
			ctx := &fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT, BillingCountry: a.ctry.code}
			g.ownDevice(ctx, &a, r)
			push(fraudItem{due: at, amount: -c.minor(logUniform(r, 300, 3000)), desc: m.desc, merchant: m.name, mcc: m.mcc, ctx: ctx})
			at += 60 + 900*r.Float64()
		}
	case "slow_drain":
		payee := drainPayees[r.IntN(len(drainPayees))]
		amount := c.minor(5 + 35*r.Float64())
		for i, n := 0, 8+r.IntN(13); i < n; i++ {
			ctx := &fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_TRANSFER}
			push(fraudItem{due: at, amount: -amount, desc: "DIRECT DEBIT " + payee, merchant: payee, ctx: ctx})
			at += 86400 * (1 + r.Float64())
		}
	}
}

// farCity is a city in another country, at least a continent away when
// there is one.
func (g *Generator) farCity(home int, r *rand.Rand) *city {
	for range 8 {
		cc := r.IntN(numCountries)
		if cc == home {
			continue
		}
		c := &countries[cc].cities[r.IntN(len(countries[cc].cities))]
		a, b := cityCoords[countries[home].cities[0].name], cityCoords[c.name]
		if math.Abs(a[1]-b[1]) > 20 || math.Abs(a[0]-b[0]) > 20 {
			return c
		}
	}
	cc := (home + 1 + r.IntN(numCountries-1)) % numCountries
	return &countries[cc].cities[0]
}

func (g *Generator) countryOf(c *city) string {
	for i := range countries {
		for j := range countries[i].cities {
			if &countries[i].cities[j] == c {
				return countries[i].code
			}
		}
	}
	return ""
}

// withContext adds the payment context to a fintra-json payload (its
// optional "context" object), so that what guard scores in the stream is
// what the training data saw beside the payload.
func withContext(payload []byte, ctx *fintrav1.PaymentContext) []byte {
	if ctx == nil || len(payload) == 0 || payload[len(payload)-1] != '}' {
		return payload
	}
	type contextJSON struct {
		Channel           string   `json:"channel,omitempty"`
		DeviceID          string   `json:"device_id,omitempty"`
		IPAddress         string   `json:"ip_address,omitempty"`
		EmailDomain       string   `json:"email_domain,omitempty"`
		UserAgent         string   `json:"user_agent,omitempty"`
		BillingCountry    string   `json:"billing_country,omitempty"`
		BillingPostalCode string   `json:"billing_postal_code,omitempty"`
		Latitude          *float64 `json:"latitude,omitempty"`
		Longitude         *float64 `json:"longitude,omitempty"`
		Declined          bool     `json:"declined,omitempty"`
	}
	c := contextJSON{DeviceID: ctx.GetDeviceId(), IPAddress: ctx.GetIpAddress(), EmailDomain: ctx.GetEmailDomain(),
		UserAgent: ctx.GetUserAgent(), BillingCountry: ctx.GetBillingCountry(), BillingPostalCode: ctx.GetBillingPostalCode(),
		Declined: ctx.GetDeclined()}
	if ch := ctx.GetChannel(); ch != fintrav1.Channel_CHANNEL_UNSPECIFIED {
		c.Channel = strings.ToLower(strings.TrimPrefix(ch.String(), "CHANNEL_"))
	}
	if ctx.GetHasLocation() {
		lat, lon := ctx.GetLatitude(), ctx.GetLongitude()
		c.Latitude, c.Longitude = &lat, &lon
	}
	b, err := json.Marshal(c)
	if err != nil || string(b) == "{}" {
		return payload
	}
	out := make([]byte, 0, len(payload)+len(b)+12)
	out = append(out, payload[:len(payload)-1]...)
	out = append(out, `,"context":`...)
	out = append(out, b...)
	return append(out, '}')
}
