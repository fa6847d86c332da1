// pprofcheck reads pprof files with google/pprof's own profile package (the
// parser go tool pprof uses), fails on any that does not parse or does not
// pass CheckValid, and prints what the tests assert on, one fact a line:
//
//	type NAME/UNIT          each sample type, in order
//	default NAME            the default sample type, when set
//	time_nanos N
//	duration_nanos N
//	period N NAME/UNIT
//	total NAME N            the sum of a sample type's values
//	cum NAME N FUNCTION     a sample type's values of samples with FUNCTION on their stack
//
// Usage: pprofcheck FILE (a file name of "-" reads stdin).
package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/google/pprof/profile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pprofcheck FILE")
		os.Exit(2)
	}
	var in io.Reader = os.Stdin
	if os.Args[1] != "-" {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	p, err := profile.Parse(in)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	if err := p.CheckValid(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: not valid: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	for _, t := range p.SampleType {
		fmt.Printf("type %s/%s\n", t.Type, t.Unit)
	}
	if p.DefaultSampleType != "" {
		fmt.Printf("default %s\n", p.DefaultSampleType)
	}
	fmt.Printf("time_nanos %d\nduration_nanos %d\n", p.TimeNanos, p.DurationNanos)
	if p.PeriodType != nil {
		fmt.Printf("period %d %s/%s\n", p.Period, p.PeriodType.Type, p.PeriodType.Unit)
	}
	totals := make([]int64, len(p.SampleType))
	cum := map[string][]int64{}
	for _, s := range p.Sample {
		seen := map[string]bool{}
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				if line.Function == nil || seen[line.Function.Name] {
					continue
				}
				seen[line.Function.Name] = true
				if cum[line.Function.Name] == nil {
					cum[line.Function.Name] = make([]int64, len(p.SampleType))
				}
				for i, v := range s.Value {
					cum[line.Function.Name][i] += v
				}
			}
		}
		for i, v := range s.Value {
			totals[i] += v
		}
	}
	for i, t := range p.SampleType {
		fmt.Printf("total %s %d\n", t.Type, totals[i])
	}
	names := make([]string, 0, len(cum))
	for name := range cum {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for i, t := range p.SampleType {
			fmt.Printf("cum %s %d %s\n", t.Type, cum[name][i], name)
		}
	}
}
