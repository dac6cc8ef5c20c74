package nlu

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Options are the training hyper-parameters. The zero value is not useful:
// start from DefaultOptions.
type Options struct {
	Epochs int     // passes over the training set
	Rate   float64 // initial learning rate of SGD
	L2     float64 // L2 regularization strength (per example)
	Seed   uint64  // shuffling seed: the same seed gives the same model
	// OOSWeight scales the loss of out_of_scope examples: the class is
	// large and varied, and at full weight it swallows unusual phrasings
	// of the other intents.
	OOSWeight float64
	// CharWeight is the share of the vector's norm given to character
	// n-grams; words, stems and bigrams share the rest.
	CharWeight float64
}

// DefaultOptions are the hyper-parameters chosen by cross-validation on
// the corpus (TestCrossValidation); accuracy varies by less than a point
// across reasonable values.
func DefaultOptions() Options {
	return Options{Epochs: 15, Rate: 1, L2: 1e-6, Seed: 20261127, OOSWeight: 0.5, CharWeight: 0.5}
}

// model is a multinomial logistic regression over hashed sparse features.
// Features never seen in training are ignored at prediction time.
type model struct {
	labels []string
	charW  float64
	index  map[uint64]int32 // feature hash → row of w
	w      []float32        // len(index) × len(labels), row-major
	bias   []float64
}

// vector is one example's features: rows of w, word-level ones first
// (rows[:split]), then character n-grams, each group with its own value.
type vector struct {
	rows       []int32
	split      int
	wval, cval float32
}

// vectorize maps hashed features to rows (unknown ones dropped). Each
// group's values make it a vector of norm sqrt(its weight), counting every
// occurrence, known or not, so that the whole vector has unit length.
func (m *model) vectorize(f features, rows []int32) vector {
	for _, h := range f.hashes {
		if r, ok := m.index[h]; ok {
			rows = append(rows, r)
		}
	}
	split := 0
	for _, h := range f.hashes[:f.split] {
		if _, ok := m.index[h]; ok {
			split++
		}
	}
	v := vector{rows: rows, split: split}
	if f.split > 0 {
		v.wval = float32(math.Sqrt((1 - m.charW) / float64(f.split)))
	}
	if n := len(f.hashes) - f.split; n > 0 {
		v.cval = float32(math.Sqrt(m.charW / float64(n)))
	}
	return v
}

func (v vector) val(i int) float32 {
	if i < v.split {
		return v.wval
	}
	return v.cval
}

// scores writes the raw class scores (logits) of x into out.
func (m *model) scores(x vector, out []float64) {
	k := len(m.labels)
	copy(out, m.bias)
	var accBuf [32]float32
	acc := accBuf[:k]
	for i, r := range x.rows {
		row := m.w[int(r)*k : int(r)*k+k]
		val := x.val(i)
		for j, w := range row {
			acc[j] += w * val
		}
	}
	for j := range out {
		out[j] += float64(acc[j])
	}
}

// train fits the model with SGD on the multinomial log-loss plus L2, with
// a decaying learning rate. Examples are visited in an order drawn from a
// seeded generator, so training is deterministic.
func train(xs []features, ys []int, labels []string, opt Options) *model {
	m := &model{labels: labels, charW: opt.CharWeight, index: map[uint64]int32{}, bias: make([]float64, len(labels))}
	oos := slices.Index(labels, OutOfScope)
	// Feature rows in order of first appearance: deterministic.
	for _, f := range xs {
		for _, h := range f.hashes {
			if _, ok := m.index[h]; !ok {
				m.index[h] = int32(len(m.index))
			}
		}
	}
	k := len(labels)
	// Weights are kept as scale·v so that the L2 shrinkage of every weight
	// at every step is one multiplication.
	v := make([]float64, len(m.index)*k)
	scale := 1.0
	vecs := make([]vector, len(xs))
	for i, f := range xs {
		vecs[i] = m.vectorize(f, nil)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	s := make([]float64, k)
	t := 0
	for range opt.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x := vecs[i]
			lr := opt.Rate / (1 + opt.Rate*opt.L2*float64(t))
			t++
			copy(s, m.bias)
			for fi, r := range x.rows {
				row := v[int(r)*k : int(r)*k+k]
				val := scale * float64(x.val(fi))
				for j := range s {
					s[j] += row[j] * val
				}
			}
			softmaxInPlace(s)
			s[ys[i]] -= 1 // gradient of the log-loss w.r.t. the scores
			weight := 1.0
			if ys[i] == oos {
				weight = opt.OOSWeight
			}
			scale *= 1 - lr*opt.L2
			for fi, r := range x.rows {
				row := v[int(r)*k : int(r)*k+k]
				step := weight * lr * float64(x.val(fi)) / scale
				for j, g := range s {
					row[j] -= step * g
				}
			}
			for j, g := range s {
				m.bias[j] -= weight * lr * g
			}
			if scale < 1e-6 {
				for j := range v {
					v[j] *= scale
				}
				scale = 1
			}
		}
	}
	m.w = make([]float32, len(v))
	for j, x := range v {
		m.w[j] = float32(x * scale)
	}
	return m
}

// softmaxInPlace turns scores into probabilities.
func softmaxInPlace(s []float64) {
	mx := slices.Max(s)
	sum := 0.0
	for j, x := range s {
		s[j] = math.Exp(x - mx)
		sum += s[j]
	}
	for j := range s {
		s[j] /= sum
	}
}

// fitTemperature returns the temperature T that minimizes the log-loss of
// softmax(scores/T) on held-out examples (golden-section search on log T).
func fitTemperature(logits [][]float64, ys []int) float64 {
	nll := func(logT float64) float64 {
		T := math.Exp(logT)
		s := 0.0
		p := make([]float64, 0, 32)
		for i, l := range logits {
			p = p[:0]
			for _, x := range l {
				p = append(p, x/T)
			}
			softmaxInPlace(p)
			s -= math.Log(max(p[ys[i]], 1e-12))
		}
		return s
	}
	lo, hi := math.Log(0.05), math.Log(20.0)
	g := (math.Sqrt(5) - 1) / 2
	a, b := hi-g*(hi-lo), lo+g*(hi-lo)
	fa, fb := nll(a), nll(b)
	for range 60 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - g*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + g*(hi-lo)
			fb = nll(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}
