package admin

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// lineChart is a line chart drawn on the server as SVG numbers, so the
// dashboard needs no script and no chart library. The template only places
// the numbers computed here.
type lineChart struct {
	ID            string // names the chart's elements; unique on a page
	Title         string
	Column        string // heads the values in the table that describes the chart
	Width, Height int
	Line          string // polyline points
	Area          string // polygon points: the line closed down to the axis
	YTicks        []tick
	XTicks        []tick
	// The grid runs from GridLeft to GridRight; the value labels stand to
	// its right, so that a chart scrolled to its latest days keeps them.
	GridLeft, GridRight, LabelX int
	Points                      []chartPoint // for the table that describes the chart
	Last                        int
}

// tick is a labelled grid line.
type tick struct {
	Pos    float64 // x or y in the SVG's units
	Text   string
	Anchor string // text-anchor of a date: the first starts at its day, so it is not cut off
}

// chartPoint is one day of the series.
type chartPoint struct {
	Day   time.Time
	Value int
	X, Y  float64
}

// The chart's drawing area inside its viewBox: room on the right for the
// value labels and below for the dates.
const (
	chartW, chartH                     = 880, 260
	padLeft, padRight, padTop, padBase = 16, 52, 12, 28
)

// newLineChart lays out one value per day starting at first; column names
// what the values count.
func newLineChart(title, column string, first time.Time, values []int) lineChart {
	c := lineChart{Title: title, Column: column, Width: chartW, Height: chartH, GridLeft: padLeft, GridRight: chartW - padRight + 6,
		LabelX: chartW - padRight + 12}
	if len(values) == 0 {
		return c
	}
	top := 0
	for _, v := range values {
		top = max(top, v)
	}
	top = niceCeil(top)
	plotW := float64(chartW - padLeft - padRight)
	plotH := float64(chartH - padTop - padBase)
	x := func(i int) float64 {
		if len(values) == 1 {
			return padLeft + plotW/2
		}
		return padLeft + plotW*float64(i)/float64(len(values)-1)
	}
	y := func(v int) float64 { return padTop + plotH - plotH*float64(v)/float64(top) }
	var line []string
	for i, v := range values {
		p := chartPoint{Day: first.AddDate(0, 0, i), Value: v, X: x(i), Y: y(v)}
		c.Points = append(c.Points, p)
		line = append(line, coord(p.X, p.Y))
	}
	c.Line = strings.Join(line, " ")
	c.Area = coord(x(0), y(0)) + " " + c.Line + " " + coord(x(len(values)-1), y(0))
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		c.YTicks = append(c.YTicks, tick{Pos: y(v), Text: strconv.Itoa(v)})
	}
	for i := 0; i < len(values); i += max(1, len(values)/5) {
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		}
		c.XTicks = append(c.XTicks, tick{Pos: x(i), Text: first.AddDate(0, 0, i).Format("2 Jan"), Anchor: anchor})
	}
	c.Last = values[len(values)-1]
	return c
}

// niceCeil rounds a chart's top up to 1, 2 or 5 times a power of ten, and
// to at least 4 so that an empty chart still has four grid steps.
func niceCeil(v int) int {
	if v <= 4 {
		return 4
	}
	for p := 1; p < 1<<50; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= v {
				return m * p
			}
		}
	}
	return v
}

func coord(x, y float64) string { return fmt.Sprintf("%.1f,%.1f", x, y) }

// confirmedSeries reconstructs how many confirmed subscriptions there were
// at the end of each of the days from first: the count now, less the
// confirmations of each later day, plus its unsubscriptions. An
// unsubscription from a subscription never confirmed counts as one from a
// confirmed one, so the past can read a little high; it is a trend, not a
// ledger.
func confirmedSeries(now int, confirms, unsubs []int) []int {
	out := make([]int, len(confirms))
	v := now
	for i := len(confirms) - 1; i >= 0; i-- {
		out[i] = max(0, v)
		v = v - confirms[i] + unsubs[i]
	}
	return out
}
