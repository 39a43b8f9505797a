package cloudwatch

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
)

// Statistics CloudWatch computes from a period's data points.
var plainStatistics = map[string]bool{"SampleCount": true, "Average": true, "Sum": true, "Minimum": true, "Maximum": true}

// percentileRE matches the extended statistics emulated: percentiles
// ("p99", "p99.9"). Trimmed means, winsorized means and the like are not.
var percentileRE = regexp.MustCompile(`^p(\d{1,2}(\.\d{1,10})?|100)$`)

// checkStatistic returns an error naming field unless stat is a plain
// statistic or, when extended is true, a percentile.
func checkStatistic(field, stat string, extended bool) error {
	if !extended {
		if !plainStatistics[stat] {
			return fmt.Errorf("%s: %q is not one of SampleCount, Average, Sum, Minimum, Maximum", field, stat)
		}
		return nil
	}
	if !percentileRE.MatchString(stat) {
		return fmt.Errorf("%s: %q is not supported locally: only percentiles (p0 to p100, e.g. p99) are emulated", field, stat)
	}
	return nil
}

// isStatistic reports whether stat names a plain or percentile statistic
// (GetMetricData's Stat takes both).
func isStatistic(stat string) bool { return plainStatistics[stat] || percentileRE.MatchString(stat) }

// value computes stat over a.
func (a *aggregate) value(stat string) float64 {
	switch stat {
	case "SampleCount":
		return a.count
	case "Sum":
		return a.sum
	case "Average":
		return a.sum / a.count
	case "Minimum":
		return a.min
	case "Maximum":
		return a.max
	}
	p, _ := strconv.ParseFloat(stat[1:], 64)
	return percentile(a.samples, p)
}

// percentile is the nearest-rank percentile p (0–100) of vs.
func percentile(vs []float64, p float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	rank := int(math.Ceil(p/100*float64(len(s)))) - 1
	rank = max(0, min(rank, len(s)-1))
	return s[rank]
}
