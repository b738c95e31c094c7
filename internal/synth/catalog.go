package synth

import "math"

// currency is an ISO 4217 currency as the generator uses it.
type currency struct {
	code string
	exp  int // ISO 4217 minor-unit exponent: USD 2, JPY 0, BHD 3
	// perUSD is a rough exchange rate. Merchant price ranges are written in
	// US dollars; the rate only gives local amounts a local magnitude.
	perUSD float64
	// tick is the smallest price step in minor units: Swiss prices end in 0
	// or 5 centimes, Bahraini ones in 5 fils.
	tick int64
	// atm lists the usual cash withdrawal amounts, in major units.
	atm []int64
	// name is how a careless producer spells the currency ("EURO"), for
	// invalid payloads.
	name string
}

// Indices into currencies.
const (
	curUSD = iota
	curEUR
	curGBP
	curAUD
	curCAD
	curJPY
	curCHF
	curBHD
)

var currencies = [...]currency{
	curUSD: {"USD", 2, 1, 1, []int64{20, 40, 60, 80, 100, 200}, "US$"},
	curEUR: {"EUR", 2, 0.92, 1, []int64{20, 50, 100, 150, 200}, "EURO"},
	curGBP: {"GBP", 2, 0.79, 1, []int64{10, 20, 50, 100, 200}, "£"},
	curAUD: {"AUD", 2, 1.52, 1, []int64{20, 50, 100, 200, 300}, "A$"},
	curCAD: {"CAD", 2, 1.36, 1, []int64{20, 40, 60, 100, 200}, "C$"},
	curJPY: {"JPY", 0, 150, 1, []int64{10000, 20000, 30000, 50000}, "YEN"},
	curCHF: {"CHF", 2, 0.88, 5, []int64{20, 50, 100, 200}, "SFR"},
	curBHD: {"BHD", 3, 0.376, 5, []int64{10, 20, 50, 100}, "BD"},
}

// pow10 of the exponents in use.
var pow10 = [...]int64{1, 10, 100, 1000}

// minor converts an amount in US dollars to minor units of c, rounded to a
// whole price step, at least one step.
func (c *currency) minor(usd float64) int64 {
	v := int64(math.Round(usd*c.perUSD*float64(pow10[c.exp])/float64(c.tick))) * c.tick
	if v < c.tick {
		v = c.tick
	}
	return v
}

// whole rounds an amount in minor units to whole units of the currency
// (at least one), as people do when they send money to each other.
func (c *currency) whole(v int64, units int64) int64 {
	step := units * pow10[c.exp]
	if c.exp == 0 {
		step = units * 100 // ¥100, not ¥1
	}
	v = (v + step/2) / step * step
	if v < step {
		v = step
	}
	return v
}

// city is a place accounts live in and merchants stand in.
type city struct {
	name  string // as an address has it: "Zürich"
	upper string // as a statement prints it: "ZURICH"
	state string // US state, Canadian province, Australian state; "" elsewhere
}

// Indices into countries; a countrySet has bit 1<<index.
const (
	cUS = iota
	cCA
	cGB
	cIE
	cDE
	cFR
	cNL
	cES
	cIT
	cAU
	cJP
	cCH
	cBH
	numCountries
)

// countrySet says where a merchant trades.
type countrySet uint16

const (
	inUS countrySet = 1 << iota
	inCA
	inGB
	inIE
	inDE
	inFR
	inNL
	inES
	inIT
	inAU
	inJP
	inCH
	inBH
	inEU  = inIE | inDE | inFR | inNL | inES | inIT
	inAll = 1<<numCountries - 1
)

// country is where an account is held: its currency, cities, the people and
// banks on its statements, and how its banks word each kind of entry.
type country struct {
	code   string // ISO 3166-1 alpha-2
	cur    int    // index into currencies
	share  int    // percent of accounts
	cities []city
	names  []string // people, as banks print them
	banks  []string
	props  []string // landlords and letting agents
	// styles wrap a card descriptor ({M}) the way the account's bank prints
	// it; each account keeps one style.
	styles                                                    []template
	refund                                                    []template // wraps {M}
	salary, transferIn, transferOut, rent, atm, fee, interest []template
}

type countryDef struct {
	code                                                                      string
	cur, share                                                                int
	cities                                                                    []city
	names, banks, props                                                       []string
	styles, refund, salary, transferIn, transferOut, rent, atm, fee, interest []string
}

var anglo = []string{"JOHN SMITH", "EMILY JOHNSON", "MICHAEL BROWN", "SARAH DAVIS", "DAVID MILLER", "JESSICA WILSON",
	"JAMES TAYLOR", "ASHLEY MOORE", "ROBERT ANDERSON", "OLIVIA THOMAS", "DANIEL JACKSON", "SOPHIA WHITE",
	"MARIA GARCIA", "WEI ZHANG", "PRIYA PATEL", "LIAM O'BRIEN", "CHLOE NGUYEN", "NOAH KIM"}

var germanic = []string{"ANNA MUELLER", "LUKAS SCHMIDT", "LEA SCHNEIDER", "JONAS FISCHER", "LAURA WEBER",
	"FELIX MEYER", "MARIE WAGNER", "PAUL BECKER", "MIA HOFFMANN", "ELIAS KOCH"}

var countryDefs = [numCountries]countryDef{
	cUS: {
		code: "US", cur: curUSD, share: 46,
		cities: []city{{"San Francisco", "SAN FRANCISCO", "CA"}, {"New York", "NEW YORK", "NY"}, {"Seattle", "SEATTLE", "WA"},
			{"Austin", "AUSTIN", "TX"}, {"Chicago", "CHICAGO", "IL"}, {"Los Angeles", "LOS ANGELES", "CA"}, {"Boston", "BOSTON", "MA"},
			{"Denver", "DENVER", "CO"}, {"Miami", "MIAMI", "FL"}, {"Portland", "PORTLAND", "OR"}, {"Atlanta", "ATLANTA", "GA"},
			{"Brooklyn", "BROOKLYN", "NY"}, {"Houston", "HOUSTON", "TX"}, {"Phoenix", "PHOENIX", "AZ"}},
		names: anglo,
		banks: []string{"CHASE", "BANK OF AMERICA", "WELLS FARGO", "CITIBANK", "US BANK", "PNC"},
		props: []string{"OAKWOOD APARTMENTS", "RIVERSIDE LOFTS", "PARKVIEW TOWERS", "THE MADISON", "MAPLE COURT", "GREYSTAR"},
		styles: []string{"{M}", "{M}", "{M}", "PURCHASE AUTHORIZED ON {DATE} {M}", "PURCHASE AUTHORIZED ON {DATE} {M} S{D15} CARD {CARD}",
			"CHECKCARD {MMDD} {M}", "POS DEBIT {M}", "DEBIT CARD PURCHASE - {M}", "{M} {DATE}"},
		refund: []string{"REFUND {M}", "{M} REFUND", "RETURN {M}", "PURCHASE RETURN AUTHORIZED ON {DATE} {M}"},
		salary: []string{"{EMP} CORP PAYROLL PPD ID: {D10}", "{EMP} INC DIRECT DEP {D10}", "DIRECT DEPOSIT {EMP} PAYROLL",
			"{EMP} LLC DES:PAYROLL ID:{D12} INDN:{HOLDER} CO ID:{D10} PPD"},
		transferIn: []string{"ZELLE FROM {NAME} ON {DATE} REF # PP0{R7}", "ONLINE TRANSFER FROM SAV ...{D4} TRANSACTION#: {D11}",
			"VENMO CASHOUT PPD ID: 5264681992", "MOBILE DEPOSIT : REF NUMBER :{D12}"},
		transferOut: []string{"ZELLE TO {NAME} ON {DATE} REF # PP0{R7}", "ONLINE TRANSFER TO SAV ...{D4} TRANSACTION#: {D11} {DATE}",
			"VENMO PAYMENT {D10} WEB ID: 3264681992", "CAPITAL ONE ONLINE PMT {D6} {R10}", "CHASE CREDIT CRD AUTOPAY PPD ID: {D10}"},
		rent:     []string{"YSI*{PROP} RENT", "{PROP} WEB PMTS {R6} WEB ID: {D10}", "ZELLE TO {PROP} ON {DATE} RENT"},
		atm:      []string{"ATM WITHDRAWAL {D6} {DATE} {CITY} {ST}", "{BANK} ATM {S4} {CITY} {ST} WITHDRWL", "NON-{BANK} ATM WITHDRAWAL {CITY} {ST}"},
		fee:      []string{"MONTHLY SERVICE FEE", "OVERDRAFT FEE", "FOREIGN TRANSACTION FEE", "NON-{BANK} ATM FEE", "INTERNATIONAL TRANSACTION FEE"},
		interest: []string{"INTEREST PAYMENT", "INTEREST EARNED"},
	},
	cCA: {
		code: "CA", cur: curCAD, share: 3,
		cities: []city{{"Toronto", "TORONTO", "ON"}, {"Vancouver", "VANCOUVER", "BC"}, {"Montréal", "MONTREAL", "QC"},
			{"Calgary", "CALGARY", "AB"}, {"Ottawa", "OTTAWA", "ON"}},
		names:       anglo,
		banks:       []string{"RBC", "TD", "SCOTIABANK", "BMO", "CIBC"},
		props:       []string{"MAPLE LEAF PROPERTIES", "CAPREIT", "LAKESHORE RENTALS"},
		styles:      []string{"{M}", "{M}", "POS PURCHASE {M}", "INTERAC PURCHASE {M}", "VISA DEBIT PUR {M}"},
		refund:      []string{"REFUND {M}", "POS RETURN {M}"},
		salary:      []string{"{EMP} PAY/PAY {D7}", "PAYROLL DEP {EMP}", "DIRECT DEPOSIT {EMP} INC"},
		transferIn:  []string{"E-TRANSFER FROM {NAME}", "INTERAC E-TRF FROM {NAME} {R8}"},
		transferOut: []string{"E-TRANSFER TO {NAME}", "SEND E-TFR {R8}", "INTERAC E-TRF TO {NAME}"},
		rent:        []string{"E-TRANSFER TO {PROP} RENT", "PAP {PROP} RENT"},
		atm:         []string{"ATM W/D {BANK} {CITY} {ST}", "ABM WITHDRAWAL {CITY}"},
		fee:         []string{"MONTHLY FEE", "ABM FEE", "SERVICE CHARGE"},
		interest:    []string{"INTEREST"},
	},
	cGB: {
		code: "GB", cur: curGBP, share: 14,
		cities: []city{{"London", "LONDON", ""}, {"Manchester", "MANCHESTER", ""}, {"Edinburgh", "EDINBURGH", ""},
			{"Bristol", "BRISTOL", ""}, {"Leeds", "LEEDS", ""}, {"Birmingham", "BIRMINGHAM", ""}, {"Glasgow", "GLASGOW", ""}},
		names:       anglo,
		banks:       []string{"BARCLAYS", "HSBC", "LLOYDS BANK", "NATWEST", "SANTANDER", "NATIONWIDE"},
		props:       []string{"FOXTONS", "OPENRENT", "GRAINGER PLC", "KNIGHT FRANK LETTINGS"},
		styles:      []string{"{M}", "{M}", "CARD PAYMENT TO {M}", "POS PURCHASE {M}", "VIS {M}", "))) {M}"},
		refund:      []string{"REFUND {M}", "{M} REFUND", "CARD REFUND FROM {M}"},
		salary:      []string{"{EMP} LTD SALARY", "{EMP} SALARY BGC", "{EMP} LTD WAGES FPI"},
		transferIn:  []string{"FASTER PAYMENT FROM {NAME} REF {R8}", "{NAME} FPI", "TRANSFER FROM {NAME}"},
		transferOut: []string{"FASTER PAYMENT TO {NAME} REF {R8}", "{NAME} FPO", "STANDING ORDER TO {NAME}", "AMERICAN EXPRESS DD"},
		rent:        []string{"STANDING ORDER {PROP} RENT", "{PROP} RENT", "OPENRENT {R8}"},
		atm:         []string{"CASH {BANK} {CITY}", "ATM WITHDRAWAL {BANK} {CITY}", "CASH WITHDRAWAL {CITY} {DMY}"},
		fee:         []string{"ACCOUNT FEE", "OVERDRAFT INTEREST", "NON-STERLING TRANSACTION FEE", "ARRANGED OVERDRAFT FEE"},
		interest:    []string{"INTEREST (GROSS)", "CREDIT INTEREST"},
	},
	cIE: {
		code: "IE", cur: curEUR, share: 2,
		cities:      []city{{"Dublin", "DUBLIN", ""}, {"Cork", "CORK", ""}, {"Galway", "GALWAY", ""}, {"Limerick", "LIMERICK", ""}},
		names:       anglo,
		banks:       []string{"AIB", "BANK OF IRELAND", "PTSB"},
		props:       []string{"HOOKE & MACDONALD", "IRES RESIDENTIAL", "DAFT LETTINGS"},
		styles:      []string{"{M}", "POS{DMY} {M}", "VDP-{M}", "VDC-{M}"},
		refund:      []string{"REFUND {M}", "VDA-{M}"},
		salary:      []string{"{EMP} LTD SALARY", "SALARY {EMP} IRL"},
		transferIn:  []string{"SEPA CREDIT {NAME}", "365 ONLINE {NAME}"},
		transferOut: []string{"SEPA TRANSFER TO {NAME}", "TO {NAME} VIA MOBILE"},
		rent:        []string{"RENT {PROP}", "STANDING ORDER RENT {PROP}"},
		atm:         []string{"ATM{DMY} {CITY}", "CASH WITHDRAWAL {BANK} {CITY}"},
		fee:         []string{"MAINTENANCE FEE", "STAMP DUTY DEBIT CARD"},
		interest:    []string{"INTEREST"},
	},
	cDE: {
		code: "DE", cur: curEUR, share: 5,
		cities: []city{{"Berlin", "BERLIN", ""}, {"München", "MUENCHEN", ""}, {"Hamburg", "HAMBURG", ""}, {"Köln", "KOELN", ""},
			{"Frankfurt am Main", "FRANKFURT", ""}, {"Stuttgart", "STUTTGART", ""}},
		names:       germanic,
		banks:       []string{"SPARKASSE", "DEUTSCHE BANK", "COMMERZBANK", "VOLKSBANK", "ING"},
		props:       []string{"VONOVIA SE", "HAUSVERWALTUNG SCHMIDT", "DEUTSCHE WOHNEN", "LEG IMMOBILIEN"},
		styles:      []string{"{M}", "KARTENZAHLUNG {M}", "GIROCARD {M} {DMY}", "VISA DEBIT {M}"},
		refund:      []string{"GUTSCHRIFT {M}", "RUECKERSTATTUNG {M}"},
		salary:      []string{"LOHN/GEHALT {EMP} GMBH {MM}/{YYYY}", "GEHALT {MM}.{YYYY} {EMP} GMBH"},
		transferIn:  []string{"GUTSCHRIFT UEBERWEISUNG {NAME}", "SEPA-GUTSCHRIFT {NAME}", "ECHTZEIT-GUTSCHRIFT {NAME}"},
		transferOut: []string{"UEBERWEISUNG AN {NAME}", "SEPA-UEBERWEISUNG {NAME} {R10}", "PAYPAL EUROPE S.A.R.L. ET CIE S.C.A {D13} PP.{D4}.PP"},
		rent:        []string{"DAUERAUFTRAG MIETE {PROP}", "MIETE {MM}/{YYYY} {PROP}"},
		atm:         []string{"BARGELDAUSZAHLUNG {BANK} {CITY}", "GA {BANK} {CITY} {DMY}"},
		fee:         []string{"KONTOFUEHRUNGSGEBUEHR", "ENTGELT KARTE", "AUSLANDSEINSATZENTGELT"},
		interest:    []string{"ZINSGUTSCHRIFT"},
	},
	cFR: {
		code: "FR", cur: curEUR, share: 4,
		cities: []city{{"Paris", "PARIS", ""}, {"Lyon", "LYON", ""}, {"Marseille", "MARSEILLE", ""}, {"Toulouse", "TOULOUSE", ""},
			{"Bordeaux", "BORDEAUX", ""}},
		names:       []string{"CAMILLE MARTIN", "LEA BERNARD", "HUGO DUBOIS", "CHLOE THOMAS", "LOUIS ROBERT", "EMMA PETIT", "JULES RICHARD"},
		banks:       []string{"BNP PARIBAS", "SOCIETE GENERALE", "CREDIT AGRICOLE", "LCL", "CIC"},
		props:       []string{"FONCIA", "NEXITY", "CITYA IMMOBILIER", "SCI DES LILAS"},
		styles:      []string{"{M}", "CB {M} {DDMM}", "PAIEMENT CB {DDMM} {M}", "CARTE {DMY} {M}"},
		refund:      []string{"AVOIR CB {M}", "REMBOURSEMENT {M}"},
		salary:      []string{"VIR SEPA {EMP} SALAIRE {MM}/{YYYY}", "VIREMENT DE {EMP} SAS SALAIRE"},
		transferIn:  []string{"VIR SEPA RECU /DE {NAME}", "VIR INST RE {NAME}"},
		transferOut: []string{"VIR SEPA EMIS /DE {NAME}", "VIREMENT A {NAME}", "PRLV SEPA {NAME}"},
		rent:        []string{"VIR PERMANENT LOYER {PROP}", "PRLV SEPA {PROP} LOYER"},
		atm:         []string{"RETRAIT DAB {DDMM} {CITY} {BANK}", "RETRAIT DAB {CITY}"},
		fee:         []string{"FRAIS TENUE DE COMPTE", "COMMISSION D'INTERVENTION", "COTISATION CARTE"},
		interest:    []string{"INTERETS CREDITEURS"},
	},
	cNL: {
		code: "NL", cur: curEUR, share: 3,
		cities:      []city{{"Amsterdam", "AMSTERDAM", ""}, {"Rotterdam", "ROTTERDAM", ""}, {"Utrecht", "UTRECHT", ""}, {"Den Haag", "DEN HAAG", ""}},
		names:       []string{"DAAN DE JONG", "SOPHIE JANSEN", "LUCAS DE VRIES", "EMMA VAN DEN BERG", "SEM BAKKER", "JULIA VISSER"},
		banks:       []string{"ING", "RABOBANK", "ABN AMRO", "BUNQ"},
		props:       []string{"VESTEDA", "MVGM VASTGOED", "WONINGSTICHTING ROCHDALE"},
		styles:      []string{"{M}", "BEA {M}", "BEA, BETAALPAS {M},PAS{D3}, {DMY}", "APPLE PAY {M}"},
		refund:      []string{"TERUGBOEKING {M}", "TERUGSTORTING {M}"},
		salary:      []string{"SALARIS {EMP} BV {MM}-{YYYY}", "{EMP} B.V. SALARIS"},
		transferIn:  []string{"OVERBOEKING VAN {NAME}", "TIKKIE ID {D10}, {NAME}"},
		transferOut: []string{"OVERBOEKING NAAR {NAME}", "SEPA OVERBOEKING {NAME}"},
		rent:        []string{"HUUR {PROP}", "PERIODIEKE OVERB. HUUR {PROP}"},
		atm:         []string{"GEA {BANK} {CITY}", "GELDAUTOMAAT {CITY}"},
		fee:         []string{"KOSTEN BETAALPAKKET", "KOSTEN BUITENLANDSE BETALING"},
		interest:    []string{"RENTE"},
	},
	cES: {
		code: "ES", cur: curEUR, share: 3,
		cities:      []city{{"Madrid", "MADRID", ""}, {"Barcelona", "BARCELONA", ""}, {"Valencia", "VALENCIA", ""}, {"Sevilla", "SEVILLA", ""}},
		names:       []string{"LUCIA GARCIA", "HUGO FERNANDEZ", "MARTINA GONZALEZ", "PABLO RODRIGUEZ", "SOFIA LOPEZ", "ALVARO MUÑOZ"},
		banks:       []string{"SANTANDER", "BBVA", "CAIXABANK", "SABADELL"},
		props:       []string{"INMOBILIARIA SOL", "FIDERE", "TESTA RESIDENCIAL"},
		styles:      []string{"{M}", "COMPRA TARJ. {M}", "PAGO TARJETA {M}", "COMPRA EN {M}"},
		refund:      []string{"DEVOLUCION {M}", "ABONO {M}"},
		salary:      []string{"NOMINA {EMP} SA", "TRANSFERENCIA NOMINA {EMP}"},
		transferIn:  []string{"TRANSFERENCIA DE {NAME}", "BIZUM DE {NAME}"},
		transferOut: []string{"TRANSFERENCIA A {NAME}", "BIZUM A {NAME}"},
		rent:        []string{"ALQUILER {PROP}", "TRANSF. ALQUILER {MM}/{YYYY}"},
		atm:         []string{"RETIRADA CAJERO {BANK} {CITY}", "REINTEGRO CAJERO {CITY}"},
		fee:         []string{"COMISION MANTENIMIENTO", "COMISION TARJETA"},
		interest:    []string{"INTERESES"},
	},
	cIT: {
		code: "IT", cur: curEUR, share: 3,
		cities:      []city{{"Milano", "MILANO", ""}, {"Roma", "ROMA", ""}, {"Torino", "TORINO", ""}, {"Bologna", "BOLOGNA", ""}},
		names:       []string{"GIULIA ROSSI", "FRANCESCO RUSSO", "SOFIA FERRARI", "ALESSANDRO ESPOSITO", "AURORA BIANCHI"},
		banks:       []string{"INTESA SANPAOLO", "UNICREDIT", "BANCO BPM", "FINECO"},
		props:       []string{"IMMOBILIARE ROSSI SRL", "GABETTI", "TECNOCASA"},
		styles:      []string{"{M}", "PAGAMENTO POS {M}", "PAGAMENTO CARTA {M}", "PAG. POS {DMY} {M}"},
		refund:      []string{"STORNO {M}", "RIMBORSO {M}"},
		salary:      []string{"STIPENDIO {EMP} SPA {MM}/{YYYY}", "ACCREDITO STIPENDIO {EMP}"},
		transferIn:  []string{"BONIFICO DA {NAME}", "BONIFICO ISTANTANEO DA {NAME}"},
		transferOut: []string{"BONIFICO A {NAME}", "BONIFICO SEPA A FAVORE DI {NAME}"},
		rent:        []string{"AFFITTO {PROP}", "BONIFICO AFFITTO {MM}/{YYYY}"},
		atm:         []string{"PRELIEVO BANCOMAT {BANK} {CITY}", "PRELIEVO ATM {CITY}"},
		fee:         []string{"CANONE MENSILE CONTO", "COMMISSIONI"},
		interest:    []string{"INTERESSI CREDITORI"},
	},
	cAU: {
		code: "AU", cur: curAUD, share: 10,
		cities: []city{{"Sydney", "SYDNEY", "NSW"}, {"Melbourne", "MELBOURNE", "VIC"}, {"Brisbane", "BRISBANE", "QLD"},
			{"Perth", "PERTH", "WA"}, {"Adelaide", "ADELAIDE", "SA"}},
		names:       anglo,
		banks:       []string{"COMMBANK", "WESTPAC", "ANZ", "NAB", "ING"},
		props:       []string{"RAY WHITE", "LJ HOOKER", "BELLE PROPERTY"},
		styles:      []string{"{M}", "{M}", "VISA PURCHASE {M}", "EFTPOS {M}", "{M} Card xx{CARD} Value Date: {DMYYYY}"},
		refund:      []string{"REFUND {M}", "{M} REFUND", "VISA CREDIT {M}"},
		salary:      []string{"{EMP} PTY LTD PAYROLL {D6}", "SALARY {EMP} PTY LTD", "PAY/SALARY FROM {EMP}"},
		transferIn:  []string{"TRANSFER FROM {NAME}", "FAST TRANSFER FROM {NAME}", "OSKO PAYMENT FROM {NAME}"},
		transferOut: []string{"TRANSFER TO {NAME} NETBANK", "OSKO PAYMENT TO {NAME}", "BPAY {D6} {R8}"},
		rent:        []string{"DIRECT DEBIT {PROP} RENT", "TRANSFER TO {PROP} RENT"},
		atm:         []string{"ATM WITHDRAWAL {BANK} {CITY} {ST}", "WDL ATM {BANK} {CITY}"},
		fee:         []string{"ACCOUNT FEE", "INTERNATIONAL TRANSACTION FEE", "DISHONOUR FEE"},
		interest:    []string{"CREDIT INTEREST", "INTEREST"},
	},
	cJP: {
		// Japanese statements print in half-width katakana.
		code: "JP", cur: curJPY, share: 3,
		cities:      []city{{"Tokyo", "TOKYO", ""}, {"Osaka", "OSAKA", ""}, {"Kyoto", "KYOTO", ""}, {"Yokohama", "YOKOHAMA", ""}},
		names:       []string{"ﾔﾏﾀﾞ ﾀﾛｳ", "ｽｽﾞｷ ﾊﾅｺ", "ｻﾄｳ ｹﾝｼﾞ", "ﾀﾅｶ ﾕｷ", "ﾜﾀﾅﾍﾞ ｼｮｳ"},
		banks:       []string{"MUFG", "SMBC", "MIZUHO", "JP BANK"},
		props:       []string{"ﾀﾞｲﾄｳｹﾝﾀｸ", "ﾚｵﾊﾟﾚｽ21", "ｾｷｽｲﾊｳｽ"},
		styles:      []string{"{M}", "ﾃﾞﾋﾞｯﾄ {M}", "VISAﾃﾞﾋﾞｯﾄ {M}"},
		refund:      []string{"ﾍﾝｷﾝ {M}", "{M} ﾍﾝﾋﾟﾝ"},
		salary:      []string{"ｷﾕｳﾖ {EMP}", "給与 {EMP}"},
		transferIn:  []string{"ﾌﾘｺﾐ {NAME}", "振込 {NAME}"},
		transferOut: []string{"ﾌﾘｺﾐｼﾕﾂｷﾝ {NAME}", "ﾈﾂﾄﾊﾞﾝｸ ﾌﾘｺﾐ {NAME}"},
		rent:        []string{"ﾔﾁﾝ {PROP}", "家賃 {PROP}"},
		atm:         []string{"ATM {BANK} {CITY}", "ｶｰﾄﾞ {BANK}"},
		fee:         []string{"ﾃｽｳﾘﾖｳ", "振込手数料"},
		interest:    []string{"ﾘｿｸ", "利息"},
	},
	cCH: {
		code: "CH", cur: curCHF, share: 2,
		cities: []city{{"Zürich", "ZURICH", ""}, {"Genève", "GENEVE", ""}, {"Basel", "BASEL", ""}, {"Bern", "BERN", ""},
			{"Lausanne", "LAUSANNE", ""}},
		names:       germanic,
		banks:       []string{"UBS", "POSTFINANCE", "ZKB", "RAIFFEISEN"},
		props:       []string{"LIVIT AG", "WINCASA", "PRIVERA AG"},
		styles:      []string{"{M}", "KARTENZAHLUNG {M}", "ACHAT CARTE {M}", "DEBIT MASTERCARD {M}"},
		refund:      []string{"GUTSCHRIFT {M}", "REMBOURSEMENT {M}"},
		salary:      []string{"LOHN {EMP} AG", "SALAIRE {EMP} SA"},
		transferIn:  []string{"GUTSCHRIFT {NAME}", "TWINT VON {NAME}"},
		transferOut: []string{"ZAHLUNG AN {NAME}", "TWINT AN {NAME}", "E-BANKING AUFTRAG {NAME}"},
		rent:        []string{"MIETE {PROP}", "DAUERAUFTRAG MIETZINS {PROP}"},
		atm:         []string{"BARGELDBEZUG {BANK} {CITY}", "BANCOMAT {CITY}"},
		fee:         []string{"KONTOFUEHRUNGSGEBUEHR", "KARTENGEBUEHR", "PRIX TENUE DE COMPTE"},
		interest:    []string{"ZINS"},
	},
	cBH: {
		code: "BH", cur: curBHD, share: 2,
		cities:      []city{{"Manama", "MANAMA", ""}, {"Muharraq", "MUHARRAQ", ""}, {"Riffa", "RIFFA", ""}},
		names:       []string{"AHMED AL KHALIFA", "FATIMA HASAN", "MOHAMMED ALI", "MARYAM ABDULLA", "ALI JASSIM"},
		banks:       []string{"NBB", "BBK", "AUB", "KFH"},
		props:       []string{"SEEF PROPERTIES", "AL ZAYANI PROPERTIES", "DIYAR AL MUHARRAQ"},
		styles:      []string{"{M}", "POS PURCHASE {M}", "DEBIT CARD PURCHASE {M}"},
		refund:      []string{"REFUND {M}", "POS REFUND {M}"},
		salary:      []string{"SALARY CREDIT {EMP} WLL", "PAYROLL {EMP} WLL"},
		transferIn:  []string{"FAWRI+ FROM {NAME}", "BENEFITPAY FROM {NAME}"},
		transferOut: []string{"FAWRI+ TO {NAME}", "BENEFITPAY TO {NAME}", "FAWATEER PAYMENT {R8}"},
		rent:        []string{"RENT {PROP}", "STANDING ORDER {PROP}"},
		atm:         []string{"ATM WDL {BANK} {CITY}", "CASH WITHDRAWAL {BANK} {CITY}"},
		fee:         []string{"SERVICE CHARGE", "SMS ALERT FEE"},
		interest:    []string{"PROFIT CREDIT"},
	},
}

// employers are fictional on purpose: payroll lines must not name real people's employers.
var employers = []string{"ACME", "GLOBEX", "INITECH", "NORTHWIND", "CONTOSO", "UMBRELLA", "HOOLI", "VANDELAY",
	"STARK", "WAYNE", "TYRELL", "WONKA", "CYBERDYNE", "SOYLENT", "PIED PIPER", "DUNDER MIFFLIN"}

// restaurants appear behind delivery apps and small-business processors.
var restaurants = []string{"BURGER KING", "CHIPOTLE", "PANDA EXPRESS", "ZEEKS PIZZA", "THAI BASIL", "FIVE GUYS",
	"SHAKE SHACK", "WINGSTOP", "JERSEY MIKES", "PHO 99", "SUSHI ZONE", "EL FAROLITO", "HALAL GUYS", "POPEYES",
	"BLUE BOTTLE COFFEE", "TARTINE BAKERY", "JOE'S PIZZA", "GOLDEN DRAGON", "LA TAQUERIA", "NOODLE HOUSE"}

// shops are small online sellers paid through PayPal or Etsy.
var shops = []string{"VINTAGEFINDS", "CRAFTYCORNER", "KEYBOARDKINGS", "BOOKNOOK", "PLANTPARENT", "RETROGAMES",
	"SOAPWORKS", "PRINTSHOP", "GEARHEAD", "TEAHOUSE"}

var countries = func() [numCountries]country {
	var cs [numCountries]country
	for i, d := range countryDefs {
		cs[i] = country{
			code: d.code, cur: d.cur, share: d.share, cities: d.cities, names: d.names, banks: d.banks, props: d.props,
			styles: compileAll(d.styles), refund: compileAll(d.refund), salary: compileAll(d.salary),
			transferIn: compileAll(d.transferIn), transferOut: compileAll(d.transferOut), rent: compileAll(d.rent),
			atm: compileAll(d.atm), fee: compileAll(d.fee), interest: compileAll(d.interest),
		}
	}
	return cs
}()

// countryLottery maps a draw in [0, 100) to a country by share.
var countryLottery = func() [100]uint8 {
	var l [100]uint8
	n := 0
	for i, c := range countryDefs {
		for range c.share {
			l[n] = uint8(i)
			n++
		}
	}
	if n != 100 {
		panic("synth: country shares do not add up to 100")
	}
	return l
}()
