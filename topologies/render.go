package topologies

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lovoo/goka"
)

// GraphModel is the drawable form of the registered topology, derived from
// the goka graph definitions.
type GraphModel struct {
	Processors []ProcessorNode `json:"processors"`
	Topics     []Topic         `json:"topics"`
}

// ProcessorNode is one processor with its edges.
type ProcessorNode struct {
	Name    string   `json:"name"`
	Summary string   `json:"summary"`
	Inputs  []string `json:"inputs"`
	Outputs []string `json:"outputs"`
	Table   string   `json:"table,omitempty"`
	Lookups []string `json:"lookups,omitempty"`
	Joins   []string `json:"joins,omitempty"`
}

// Model builds the drawable graph of every registered processor.
func Model(cfg CatalogConfig) GraphModel {
	var m GraphModel
	d := Deps{}
	d.setDefaults()
	for _, p := range Processors() {
		g := p.Graph(d)
		n := ProcessorNode{Name: p.Name, Summary: p.Summary}
		n.Inputs = topicNames(g.InputStreams())
		n.Outputs = topicNames(g.OutputStreams())
		n.Lookups = topicNames(g.LookupTables())
		n.Joins = topicNames(g.JointTables())
		if t := g.GroupTable(); t != nil {
			n.Table = t.Topic()
		}
		m.Processors = append(m.Processors, n)
	}
	m.Topics = Catalog(cfg)
	return m
}

func topicNames(es goka.Edges) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Topic())
	}
	slices.Sort(out)
	return out
}

// Render draws the graph as "mermaid", "dot" or "json".
func Render(m GraphModel, format string) (string, error) {
	switch format {
	case "mermaid":
		return renderMermaid(m), nil
	case "dot":
		return renderDOT(m), nil
	case "json":
		b, err := json.MarshalIndent(m, "", "  ")
		return string(b) + "\n", err
	default:
		return "", fmt.Errorf("topologies: unknown format %q; use mermaid, dot or json", format)
	}
}

func nodeID(prefix, name string) string {
	return prefix + "_" + strings.NewReplacer(".", "_", "-", "_").Replace(name)
}

// renderMermaid draws processors as hexagons, streams as boxes, dead-letter
// topics as flags and tables as cylinders.
func renderMermaid(m GraphModel) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, t := range m.Topics {
		id := nodeID("t", t.Name)
		switch t.Kind {
		case KindTable:
			fmt.Fprintf(&b, "  %s[(\"%s\")]\n", id, t.Name)
		case KindDeadLetter:
			fmt.Fprintf(&b, "  %s>\"%s\"]\n", id, t.Name)
		default:
			fmt.Fprintf(&b, "  %s[\"%s\"]\n", id, t.Name)
		}
	}
	for _, p := range m.Processors {
		fmt.Fprintf(&b, "  %s{{\"%s\"}}\n", nodeID("p", p.Name), p.Name)
	}
	for _, p := range m.Processors {
		pid := nodeID("p", p.Name)
		for _, in := range p.Inputs {
			fmt.Fprintf(&b, "  %s --> %s\n", nodeID("t", in), pid)
		}
		for _, out := range p.Outputs {
			fmt.Fprintf(&b, "  %s --> %s\n", pid, nodeID("t", out))
		}
		if p.Table != "" {
			fmt.Fprintf(&b, "  %s <-.-> %s\n", pid, nodeID("t", p.Table))
		}
		for _, l := range p.Lookups {
			fmt.Fprintf(&b, "  %s -. lookup .-> %s\n", nodeID("t", l), pid)
		}
		for _, j := range p.Joins {
			fmt.Fprintf(&b, "  %s -. join .-> %s\n", nodeID("t", j), pid)
		}
	}
	return b.String()
}

func renderDOT(m GraphModel) string {
	var b strings.Builder
	b.WriteString("digraph fintra {\n  rankdir=LR;\n")
	for _, t := range m.Topics {
		shape := "box"
		switch t.Kind {
		case KindTable:
			shape = "cylinder"
		case KindDeadLetter:
			shape = "note"
		}
		fmt.Fprintf(&b, "  %q [shape=%s];\n", t.Name, shape)
	}
	for _, p := range m.Processors {
		fmt.Fprintf(&b, "  %q [shape=hexagon, style=bold];\n", "processor:"+p.Name)
	}
	for _, p := range m.Processors {
		pid := "processor:" + p.Name
		for _, in := range p.Inputs {
			fmt.Fprintf(&b, "  %q -> %q;\n", in, pid)
		}
		for _, out := range p.Outputs {
			fmt.Fprintf(&b, "  %q -> %q;\n", pid, out)
		}
		if p.Table != "" {
			fmt.Fprintf(&b, "  %q -> %q [dir=both, style=dashed];\n", pid, p.Table)
		}
		for _, l := range p.Lookups {
			fmt.Fprintf(&b, "  %q -> %q [style=dotted, label=lookup];\n", l, pid)
		}
		for _, j := range p.Joins {
			fmt.Fprintf(&b, "  %q -> %q [style=dotted, label=join];\n", j, pid)
		}
	}
	b.WriteString("}\n")
	return b.String()
}
