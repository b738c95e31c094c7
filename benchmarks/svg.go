package benchmarks

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// The charts are plain SVG written here, so that GitHub shows them inline
// and no plotting dependency is needed.

type point struct{ x, y float64 }

type series struct {
	name   string
	color  string
	points []point
}

type bar struct {
	label string
	value float64
	color string
}

const (
	chartW, chartH = 720, 400
	padL, padR     = 80, 170
	padT, padB     = 40, 60
)

// niceMax rounds v up to 1, 2 or 5 times a power of ten, for axis ticks.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fmtTick(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%gk", v/1e3)
	default:
		return fmt.Sprintf("%g", math.Round(v*100)/100)
	}
}

func svgHeader(b *strings.Builder, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartW, chartH, chartW, chartH)
	fmt.Fprintf(b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", padL, html.EscapeString(title))
}

// lineChart draws series against shared axes from zero.
func lineChart(title, xLabel, yLabel string, ss []series) string {
	var maxX, maxY float64
	n := 0
	for _, s := range ss {
		for _, p := range s.points {
			maxX, maxY = max(maxX, p.x), max(maxY, p.y)
			n++
		}
	}
	if n == 0 {
		return ""
	}
	maxX, maxY = niceMax(maxX), niceMax(maxY)
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	px := func(x float64) float64 { return padL + x/maxX*plotW }
	py := func(y float64) float64 { return padT + plotH - y/maxY*plotH }
	var b strings.Builder
	svgHeader(&b, title)
	for i := 0; i <= 5; i++ {
		y := maxY * float64(i) / 5
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", padL, py(y), px(maxX), py(y))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", padL-6, py(y)+4, fmtTick(y))
		x := maxX * float64(i) / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(x), py(0)+18, fmtTick(x))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", padL, py(0), px(maxX), py(0))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%.1f" stroke="black"/>`+"\n", padL, padT, padL, py(0))
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", padL+plotW/2, chartH-15, html.EscapeString(xLabel))
	fmt.Fprintf(&b, `<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", padT+plotH/2, html.EscapeString(yLabel))
	for i, s := range ss {
		var path strings.Builder
		for j, p := range s.points {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, px(p.x), py(p.y))
		}
		if len(s.points) > 1 {
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.TrimSpace(path.String()), s.color)
		}
		for _, p := range s.points {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s: %g at %g</title></circle>`+"\n", px(p.x), py(p.y), s.color, html.EscapeString(s.name), p.y, p.x)
		}
		ly := padT + 10 + 20*i
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/>`+"\n", chartW-padR+15, ly-4, s.color)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", chartW-padR+35, ly+1, html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// barChart draws horizontal bars. When the bars span more than a factor
// of 20 (the pipeline's stages beside the bare franz-go limit) the axis is
// logarithmic, so that the small bars stay readable; the value is written
// at the end of each bar either way.
func barChart(title, unit string, bars []bar) string {
	if len(bars) == 0 {
		return ""
	}
	minV, maxV := math.Inf(1), 0.0
	for _, br := range bars {
		maxV = max(maxV, br.value)
		if br.value > 0 {
			minV = min(minV, br.value)
		}
	}
	maxV = niceMax(maxV)
	logScale := minV < maxV/20
	lo := 0.0
	if logScale {
		lo = math.Pow(10, math.Floor(math.Log10(minV)))
		maxV = math.Pow(10, math.Ceil(math.Log10(maxV)))
		unit += " (logarithmic)"
	}
	const labelW, rowH = 210, 30
	height := padT + rowH*len(bars) + padB
	plotW := float64(chartW - labelW - 90)
	scale := func(v float64) float64 {
		if !logScale {
			return v / maxV * plotW
		}
		if v <= lo {
			return 0
		}
		return math.Log10(v/lo) / math.Log10(maxV/lo) * plotW
	}
	var ticks []float64
	if logScale {
		for t := lo; t <= maxV*1.001; t *= 10 {
			ticks = append(ticks, t)
		}
	} else {
		for i := 0; i <= 5; i++ {
			ticks = append(ticks, maxV*float64(i)/5)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartW, height, chartW, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	bottom := padT + rowH*len(bars)
	for _, v := range ticks {
		x := labelW + scale(v)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, padT, x, bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, bottom+16, fmtTick(v))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", labelW+plotW/2, bottom+38, html.EscapeString(unit))
	for i, br := range bars {
		y := padT + rowH*i
		w := scale(br.value)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+rowH/2+4, html.EscapeString(br.label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", labelW, y+5, w, rowH-10, br.color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(labelW)+w+5, y+rowH/2+4, fmtTick(math.Round(br.value)))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", labelW, padT, labelW, bottom)
	b.WriteString("</svg>\n")
	return b.String()
}

// LatencyChart plots the score and view latency percentiles against the
// target rate of every rate phase of the first run that has them; the
// rate phases of other runs (more accounts) are their own series.
func LatencyChart(r Result) string {
	colors := []string{"#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"}
	var ss []series
	for _, run := range r.Runs {
		var p50, p99, v99 series
		for _, p := range run.Phases {
			if p.Mode != "rate" || p.LatencyScoresMS.Count == 0 {
				continue
			}
			p50.points = append(p50.points, point{p.TargetRateEPS, p.LatencyScoresMS.P50})
			p99.points = append(p99.points, point{p.TargetRateEPS, p.LatencyScoresMS.P99})
			v99.points = append(v99.points, point{p.TargetRateEPS, p.LatencyViewsMS.P99})
		}
		if len(p50.points) == 0 {
			continue
		}
		p50.name, p99.name, v99.name = run.Name+" score p50", run.Name+" score p99", run.Name+" view p99"
		ss = append(ss, p50, p99, v99)
	}
	for i := range ss {
		ss[i].color = colors[i%len(colors)]
	}
	return lineChart("End-to-end latency vs offered rate ("+r.Scenario+")", "target rate (events/s, fixed schedule)", "latency from intended send time (ms)", ss)
}

// StagesChart draws each stage's consumption rate in the first max
// phase beside the end-to-end rate and the two limits.
func StagesChart(r Result) string {
	if len(r.Runs) == 0 {
		return ""
	}
	var bars []bar
	run := r.Runs[0]
	for _, p := range run.Phases {
		if p.Mode != "max" {
			continue
		}
		for _, s := range stageNames(run) {
			bars = append(bars, bar{label: s, value: p.Stages[s], color: "#1f77b4"})
		}
		bars = append(bars, bar{label: "end to end (views)", value: p.ThroughputEPS, color: "#2ca02c"})
		break
	}
	if r.Baseline.PassthroughEPS > 0 {
		bars = append(bars,
			bar{label: "limit: bare franz-go, 5 hops", value: r.Baseline.PassthroughEPS, color: "#7f7f7f"},
			bar{label: "limit: one goka stage", value: r.Baseline.GokaStageEPS, color: "#bcbd22"})
	}
	return barChart("Records per second per stage at the maximum ("+r.Scenario+", "+run.Name+")", "records/s consumed", bars)
}

// MemoryChart plots RSS and heap over the samples of every phase that
// has them (the soak).
func MemoryChart(r Result) string {
	var rss, heap series
	for _, run := range r.Runs {
		for _, p := range run.Phases {
			for _, s := range p.Samples {
				rss.points = append(rss.points, point{s.Seconds / 60, float64(s.RSSBytes) / (1 << 20)})
				heap.points = append(heap.points, point{s.Seconds / 60, float64(s.HeapInuseBytes) / (1 << 20)})
			}
		}
	}
	if len(rss.points) == 0 {
		return ""
	}
	rss.name, rss.color = "RSS", "#d62728"
	heap.name, heap.color = "Go heap in use", "#1f77b4"
	return lineChart("Memory over the soak ("+r.Scenario+")", "minutes into the window", "MiB", []series{rss, heap})
}
