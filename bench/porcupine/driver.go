// A small driver that times Porcupine (github.com/anishathalye/porcupine) on histories the dsim
// bench writes, so the two checkers are measured side by side on the same machine in one run.
//
// bench/porcupine.ts builds it against a local Porcupine checkout (PORCUPINE_SRC; nothing is
// fetched) and feeds it JSON on stdin:
//
//	{"minBatchMs": 50, "batches": 5, "cases": [{"name", "model": "etcd"|"kv", "events": [...]}]}
//
// Each event is {"ret": bool, "id": int, "client": int, "in": {...}} for calls and
// {"ret": true, "id": int, "client": int, "out": {...}} for returns, in history order, exactly
// as Porcupine's own tests build them from Jepsen's logs (see bench/porcupine.ts). The models
// restate those in Porcupine's test suite: "etcd" is a compare-and-set register (nil is
// -1000000, unknown outputs match anything, a failed cas claims the value differed), "kv" a
// string store split per key with get/put/append.
//
// For each case it prints one JSON line: the verdict and the CPU time (user + system, all
// threads: Porcupine checks partitions in parallel goroutines) per check, best batch of
// `batches`; a batch repeats the check until it has used `minBatchMs` of CPU. No GC is forced.
// With minBatchMs 0 it runs each case once, without a warm-up (for very long cases).
package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"syscall"

	"github.com/anishathalye/porcupine"
)

type etcdInput struct {
	Op int `json:"op"` // 0 read, 1 write, 2 cas
	A  int `json:"a"`
	B  int `json:"b"`
}

type etcdOutput struct {
	Ok      bool `json:"ok"`
	Exists  bool `json:"exists"`
	Value   int  `json:"value"`
	Unknown bool `json:"unknown"`
}

const etcdNil = -1000000

var etcdModel = porcupine.Model{
	Init: func() interface{} { return etcdNil },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		st := state.(int)
		in := input.(etcdInput)
		out := output.(etcdOutput)
		switch in.Op {
		case 0:
			return out.Unknown || (!out.Exists && st == etcdNil) || (out.Exists && out.Value == st), st
		case 1:
			return true, in.A
		default:
			next := st
			if in.A == st {
				next = in.B
			}
			return out.Unknown || (in.A == st) == out.Ok, next
		}
	},
}

type kvInput struct {
	Op    int    `json:"op"` // 0 get, 1 put, 2 append
	Key   string `json:"key"`
	Value string `json:"value"`
}

type kvOutput struct {
	Value string `json:"value"`
}

var kvModel = porcupine.Model{
	PartitionEvent: func(history []porcupine.Event) [][]porcupine.Event {
		byKey := map[string][]porcupine.Event{}
		keyOf := map[int]string{}
		for _, e := range history {
			if e.Kind == porcupine.CallEvent {
				keyOf[e.Id] = e.Value.(kvInput).Key
			}
			k := keyOf[e.Id]
			byKey[k] = append(byKey[k], e)
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Event, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		st := state.(string)
		in := input.(kvInput)
		switch in.Op {
		case 0:
			return output.(kvOutput).Value == st, st
		case 1:
			return true, in.Value
		default:
			return true, st + in.Value
		}
	},
	Hash: func(state interface{}) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(string)))
		return h.Sum64()
	},
}

type rawEvent struct {
	Ret    bool            `json:"ret"`
	ID     int             `json:"id"`
	Client int             `json:"client"`
	In     json.RawMessage `json:"in"`
	Out    json.RawMessage `json:"out"`
}

type rawCase struct {
	Name    string     `json:"name"`
	Model   string     `json:"model"`
	Batches int        `json:"batches"` // overrides the request's, for long cases
	Events  []rawEvent `json:"events"`
}

type request struct {
	MinBatchMs float64   `json:"minBatchMs"`
	Batches    int       `json:"batches"`
	Cases      []rawCase `json:"cases"`
}

type result struct {
	Name         string  `json:"name"`
	Linearizable bool    `json:"linearizable"`
	CPUMs        float64 `json:"cpuMs"`
	Iterations   int     `json:"iterations"`
}

func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	us := ru.Utime.Sec*1e6 + int64(ru.Utime.Usec) + ru.Stime.Sec*1e6 + int64(ru.Stime.Usec)
	return float64(us) / 1000
}

func decode(c rawCase) (porcupine.Model, []porcupine.Event, error) {
	model := etcdModel
	if c.Model == "kv" {
		model = kvModel
	} else if c.Model != "etcd" {
		return model, nil, fmt.Errorf("unknown model %q", c.Model)
	}
	events := make([]porcupine.Event, len(c.Events))
	for i, e := range c.Events {
		var value interface{}
		var err error
		switch {
		case c.Model == "etcd" && !e.Ret:
			var in etcdInput
			err = json.Unmarshal(e.In, &in)
			value = in
		case c.Model == "etcd":
			var out etcdOutput
			err = json.Unmarshal(e.Out, &out)
			value = out
		case !e.Ret:
			var in kvInput
			err = json.Unmarshal(e.In, &in)
			value = in
		default:
			var out kvOutput
			err = json.Unmarshal(e.Out, &out)
			value = out
		}
		if err != nil {
			return model, nil, fmt.Errorf("%s event %d: %v", c.Name, i, err)
		}
		kind := porcupine.CallEvent
		if e.Ret {
			kind = porcupine.ReturnEvent
		}
		events[i] = porcupine.Event{ClientId: e.Client, Kind: kind, Value: value, Id: e.ID}
	}
	return model, events, nil
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "porcupine driver: bad request:", err)
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, c := range req.Cases {
		model, events, err := decode(c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "porcupine driver:", err)
			os.Exit(2)
		}
		batches := req.Batches
		if c.Batches > 0 {
			batches = c.Batches
		}
		if req.MinBatchMs <= 0 {
			// One timed check, no warm-up: for cases too long to run twice.
			start := cpuMs()
			ok := porcupine.CheckEvents(model, events)
			if err := enc.Encode(result{Name: c.Name, Linearizable: ok, CPUMs: cpuMs() - start, Iterations: 1}); err != nil {
				panic(err)
			}
			continue
		}
		ok := porcupine.CheckEvents(model, events) // warm-up, and the verdict
		best := -1.0
		iterations := 0
		for b := 0; b < batches; b++ {
			start := cpuMs()
			n := 0
			for {
				porcupine.CheckEvents(model, events)
				n++
				if cpuMs()-start >= req.MinBatchMs {
					break
				}
			}
			per := (cpuMs() - start) / float64(n)
			if best < 0 || per < best {
				best = per
			}
			iterations += n
		}
		if err := enc.Encode(result{Name: c.Name, Linearizable: ok, CPUMs: best, Iterations: iterations}); err != nil {
			panic(err)
		}
	}
}
