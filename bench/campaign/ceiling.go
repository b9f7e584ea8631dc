package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"herald/internal/mail"
	"herald/internal/mail/smtp"
)

// ceiling is what the loopback path carried with nothing but sending done
// per message.
type ceiling struct {
	rate      float64       // messages a second
	sinkBusy  float64       // the sink's CPU time over the wall time
	clientCPU time.Duration // per message, for clientCeiling
}

// sink is a fresh smtp-sink on a free loopback port.
type sink struct {
	cmd  *exec.Cmd
	addr string
}

func startSink(o options) (*sink, error) {
	addr := freeAddr()
	cmd := exec.Command(o.sink, "-u", "nobody", addr, "1024")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	waitPort(addr)
	return &sink{cmd: cmd, addr: addr}, nil
}

// cpu is the CPU time the sink has used, from /proc.
func (s *sink) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: utime and stime are the 12th and 13th of them.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

func (s *sink) stop() { s.cmd.Process.Kill(); s.cmd.Wait() }

// ceilingMessages is how many messages a ceiling sends.
func ceilingMessages(o options) int { return min(max(o.recipients, 20000), 100000) }

// sourceCeiling runs Postfix's smtp-source against a fresh smtp-sink with
// messages of the campaign's size over the same number of connections: what
// the loopback path carries when nothing else happens per message.
// smtp-source waits for each reply before the next command; Herald's
// client pipelines, which saves the sink work, so clientCeiling is the
// tighter bound.
func sourceCeiling(o options, size int) (ceiling, error) {
	source := filepath.Join(filepath.Dir(o.sink), "smtp-source")
	if _, err := os.Stat(source); err != nil {
		return ceiling{}, err
	}
	s, err := startSink(o)
	if err != nil {
		return ceiling{}, err
	}
	defer s.stop()
	n := ceilingMessages(o)
	start, cpu0 := time.Now(), s.cpu()
	if err := sh(nil, source, "-d", "-s", fmt.Sprint(o.connections), "-l", fmt.Sprint(size), "-m", fmt.Sprint(n), s.addr); err != nil {
		return ceiling{}, err
	}
	wall := time.Since(start)
	return ceiling{rate: float64(n) / wall.Seconds(), sinkBusy: (s.cpu() - cpu0).Seconds() / wall.Seconds()}, nil
}

// clientChain is how many messages the engine hands one connection at a
// time (the send workers' share of a claim).
const clientChain = 8

// clientCeiling sends messages of the campaign's size to a fresh smtp-sink
// through Herald's own SMTP client, as the engine does (the same number of
// connections, chains of clientChain pipelined messages), with no
// database, rendering or signing: no engine that uses this client and
// this sink can send faster on this machine.
func clientCeiling(o options, size int) (ceiling, error) {
	s, err := startSink(o)
	if err != nil {
		return ceiling{}, err
	}
	defer s.stop()
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	sender := smtp.New(smtp.Config{Host: host, Port: p, Connections: o.connections}, slog.New(slog.DiscardHandler))
	defer sender.Close()
	data := ceilingMessage(size)
	n := ceilingMessages(o)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start, cpu0, sinkCPU0 := time.Now(), selfCPU(), s.cpu()
	for range o.connections {
		wg.Go(func() {
			msgs := make([]mail.Envelope, 0, clientChain)
			for {
				from := int(next.Add(clientChain)) - clientChain
				if from >= n {
					return
				}
				msgs = msgs[:0]
				for i := from; i < min(from+clientChain, n); i++ {
					msgs = append(msgs, mail.Envelope{From: "news@example.org", To: "reader" + strconv.Itoa(i) + "@example.org", Data: data})
				}
				sender.SendBatch(context.Background(), msgs, func(_ int, err error) {
					if err != nil {
						failed.Add(1)
					}
				})
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if k := failed.Load(); k > 0 {
		return ceiling{}, fmt.Errorf("%d of %d messages failed", k, n)
	}
	return ceiling{
		rate:      float64(n) / wall.Seconds(),
		sinkBusy:  (s.cpu() - sinkCPU0).Seconds() / wall.Seconds(),
		clientCPU: (selfCPU() - cpu0) / time.Duration(n),
	}, nil
}

// ceilingMessage is a plain message of about size bytes as sent.
func ceilingMessage(size int) []byte {
	var b strings.Builder
	b.WriteString("From: Herald <news@example.org>\r\nTo: reader@example.org\r\nSubject: The week in the harbour\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	line := strings.Repeat("the swing bridge carried its first buses this week ", 2)[:76] + "\r\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	return []byte(b.String())
}
