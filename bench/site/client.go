package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// conn is a lean HTTP/1.1 keep-alive client: it writes a request that is
// already encoded and reads the answer with no more work than the protocol
// needs. The load shares two cores with the servers it measures, and Go's
// http.Client spends several times more per request than the servers do on
// the static file.
type conn struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
}

// do sends req and reads the whole answer, which must be 200 OK.
func (c *conn) do(req []byte) error {
	if c.c == nil {
		nc, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return err
		}
		c.c, c.r = nc, bufio.NewReaderSize(nc, 64<<10)
	}
	c.c.SetDeadline(time.Now().Add(10 * time.Second))
	err := c.exchange(req)
	if err != nil {
		c.close()
	}
	return err
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c, c.r = nil, nil
	}
}

func (c *conn) exchange(req []byte) error {
	if _, err := c.c.Write(req); err != nil {
		return err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return fmt.Errorf("bad status line %q", line)
	}
	status := string(line[9:12])
	length, chunked, closing := int64(-1), false, false
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return fmt.Errorf("bad header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil {
				return err
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		err = c.skipChunks()
	case length >= 0:
		_, err = c.r.Discard(int(length))
	default:
		return errors.New("answer without a length")
	}
	if err != nil {
		return err
	}
	if closing {
		c.close()
	}
	if status != "200" {
		return fmt.Errorf("status %s", status)
	}
	return nil
}

func (c *conn) skipChunks() error {
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			// Trailers, if any, end with an empty line.
			for {
				line, err := c.r.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := c.r.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}

// getRequest encodes a GET of path on host.
func getRequest(host, path string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept-Encoding: identity\r\nUser-Agent: herald-bench\r\n\r\n")
}

// postForm encodes a form POST of body to path on host, asking for JSON.
func postForm(dst []byte, host, path string, body []byte) []byte {
	dst = append(dst, "POST "+path+" HTTP/1.1\r\nHost: "+host+
		"\r\nUser-Agent: herald-bench\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}
