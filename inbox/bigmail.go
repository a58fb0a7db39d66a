package inbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// A message with big attachments (photos of a broken parcel, an invoice
// PDF) is not downloaded whole: its header, its structure and its text
// parts are, and the attachments are listed from the structure and fetched
// when the owner opens one (FetchAttachment). A mailbox of 50,000 messages
// then syncs in what its text weighs, not its photos.

// bigMessage is the size from which a message is fetched in parts. The
// first bigMessage bytes come with the batch's FETCH anyway (as a partial
// BODY[]), so a smaller message costs one round trip as before.
const bigMessage = 1 << 20

// maxTextPart is the largest text part fetched of a big message.
const maxTextPart = 4 << 20

// bigParts is what is fetched of one big message: a message made of its
// header and its text parts, which ParseMessage reads as any other, and its
// attachments as the structure lists them.
type bigParts struct {
	raw         []byte
	attachments []Attachment
}

// fetchBig fetches the header, structure and text parts of big messages.
func fetchBig(c *imapclient.Client, uids []imap.UID) (map[imap.UID]*bigParts, error) {
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection:   []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}},
	}).Collect()
	if err != nil {
		return nil, err
	}
	out := map[imap.UID]*bigParts{}
	for _, m := range msgs {
		if m.BodyStructure == nil {
			continue
		}
		var header []byte
		for _, sec := range m.BodySection {
			header = sec.Bytes
		}
		texts, atts := splitStructure(m.BodyStructure)
		raw, err := fetchTextParts(c, m.UID, header, texts)
		if err != nil {
			return nil, err
		}
		out[m.UID] = &bigParts{raw: raw, attachments: atts}
	}
	return out, nil
}

// splitStructure picks the parts that are read (text/plain and text/html
// that are not attachments) and lists the others as attachments.
func splitStructure(bs imap.BodyStructure) (texts [][]int, atts []Attachment) {
	bs.Walk(func(path []int, part imap.BodyStructure) bool {
		sp, ok := part.(*imap.BodyStructureSinglePart)
		if !ok {
			return true // a multipart: look inside
		}
		disp := ""
		if d := sp.Disposition(); d != nil {
			disp = strings.ToLower(d.Value)
		}
		mt := sp.MediaType()
		if (mt == "text/plain" || mt == "text/html") && disp != "attachment" && sp.Filename() == "" &&
			sp.Size <= maxTextPart {
			texts = append(texts, append([]int(nil), path...))
			return true
		}
		atts = append(atts, structureAttachment(path, sp, disp))
		return true
	})
	return texts, atts
}

// structureAttachment lists a part as the MIME parser would: a name
// (made from the part and type when it has none), the type, the decoded
// size (estimated from the encoded one for base64).
func structureAttachment(path []int, sp *imap.BodyStructureSinglePart, disp string) Attachment {
	parts := make([]string, len(path))
	for i, n := range path {
		parts[i] = strconv.Itoa(n)
	}
	a := Attachment{Part: strings.Join(parts, "."), Type: sp.MediaType(), Size: int64(sp.Size),
		ContentID: strings.Trim(sp.ID, "<> "), Name: sp.Filename()}
	if strings.EqualFold(sp.Encoding, "base64") {
		a.Size = int64(sp.Size) / 78 * 57 // 76 characters and CRLF a line, 57 bytes each
	}
	a.Inline = disp != "attachment" && a.ContentID != "" && strings.HasPrefix(a.Type, "image/")
	if a.Name == "" {
		ext := ".bin"
		if exts, _ := mime.ExtensionsByType(a.Type); len(exts) > 0 {
			ext = exts[0]
		}
		a.Name = "adjunto-" + strings.ReplaceAll(a.Part, ".", "-") + ext
	}
	return a
}

// fetchTextParts fetches the text parts with their MIME headers and puts
// them under the message's header as one multipart/mixed message.
func fetchTextParts(c *imapclient.Client, uid imap.UID, header []byte, texts [][]int) ([]byte, error) {
	var items []*imap.FetchItemBodySection
	for _, p := range texts {
		items = append(items, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierMIME, Part: p, Peek: true},
			&imap.FetchItemBodySection{Part: p, Peek: true})
	}
	var sections map[string][]byte
	if len(items) > 0 {
		msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: items}).Collect()
		if err != nil {
			return nil, err
		}
		sections = map[string][]byte{}
		for _, m := range msgs {
			for _, it := range items {
				sections[sectionKey(it)] = m.FindBodySection(it)
			}
		}
	}
	const boundary = "mostrador-text-parts"
	var b bytes.Buffer
	b.Write(withoutFields(header, "content-type", "content-transfer-encoding", "mime-version"))
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	for i := 0; i+1 < len(items); i += 2 {
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		mimeHeader := bytes.TrimRight(sections[sectionKey(items[i])], "\r\n")
		if len(mimeHeader) == 0 && len(texts) == 1 && len(texts[0]) == 1 {
			// A single-part message's part 1 has the message's own header.
			mimeHeader = bytes.TrimRight(onlyFields(header, "content-type", "content-transfer-encoding"), "\r\n")
		}
		b.Write(mimeHeader)
		b.WriteString("\r\n\r\n")
		b.Write(sections[sectionKey(items[i+1])])
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}

func sectionKey(s *imap.FetchItemBodySection) string {
	return fmt.Sprint(s.Specifier, s.Part)
}

// withoutFields is a header without some fields (with their folded lines);
// onlyFields keeps only those. It ends with the header's last line, without
// the empty line.
func withoutFields(header []byte, names ...string) []byte { return filterFields(header, names, false) }
func onlyFields(header []byte, names ...string) []byte    { return filterFields(header, names, true) }

func filterFields(header []byte, names []string, keep bool) []byte {
	var out bytes.Buffer
	take := false
	for _, line := range bytes.SplitAfter(header, []byte("\n")) {
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break // the end of the header
		}
		if line[0] != ' ' && line[0] != '\t' {
			name, _, _ := bytes.Cut(line, []byte(":"))
			listed := false
			for _, n := range names {
				if strings.EqualFold(strings.TrimSpace(string(name)), n) {
					listed = true
				}
			}
			take = listed == keep
		}
		if take {
			out.Write(line)
			if !bytes.HasSuffix(line, []byte("\n")) {
				out.WriteString("\r\n")
			}
		}
	}
	return out.Bytes()
}

// FetchAttachment downloads one attachment of a stored message, decoded,
// when the owner opens it. c is a logged-in client; the folder is selected
// read-only, so that nothing is marked seen.
func FetchAttachment(ctx context.Context, db *sql.DB, c *imapclient.Client, messageID int64, part string) (*Attachment, []byte, error) {
	var folder string
	var uid int64
	var a Attachment
	err := db.QueryRowContext(ctx, `SELECT f.name, m.uid, a.part, a.name, a.type, a.size, a.content_id, a.inline
		FROM attachment a JOIN message m ON m.id = a.message_id JOIN folder f ON f.id = m.folder_id
		WHERE a.message_id = ? AND a.part = ?`, messageID, part).
		Scan(&folder, &uid, &a.Part, &a.Name, &a.Type, &a.Size, &a.ContentID, &a.Inline)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNoMessage
	}
	if err != nil {
		return nil, nil, err
	}
	if uid <= 0 {
		return nil, nil, fmt.Errorf("attachment %s of message %d: the message is not on the server yet", part, messageID)
	}
	var path []int
	for _, f := range strings.Split(part, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, nil, fmt.Errorf("attachment part %q: not an IMAP part number", part)
		}
		path = append(path, n)
	}
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil, nil, err
	}
	mimeItem := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierMIME, Part: path, Peek: true}
	bodyItem := &imap.FetchItemBodySection{Part: path, Peek: true}
	headerItem := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true,
		HeaderFields: []string{"Content-Transfer-Encoding"}}
	msgs, err := c.Fetch(imap.UIDSetNum(imap.UID(uid)), &imap.FetchOptions{UID: true,
		BodySection: []*imap.FetchItemBodySection{mimeItem, bodyItem, headerItem}}).Collect()
	if err != nil {
		return nil, nil, err
	}
	if len(msgs) == 0 {
		return nil, nil, fmt.Errorf("attachment %s: %w (deleted on the server?)", part, ErrNoMessage)
	}
	header := msgs[0].FindBodySection(mimeItem)
	if len(bytes.TrimSpace(header)) == 0 {
		header = msgs[0].FindBodySection(headerItem) // part 1 of a single-part message
	}
	data, err := decodeTransfer(onlyFields(header, "content-transfer-encoding"), msgs[0].FindBodySection(bodyItem))
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %s (%s): %w", part, a.Name, err)
	}
	return &a, data, nil
}

// decodeTransfer undoes a part's Content-Transfer-Encoding.
func decodeTransfer(header, body []byte) ([]byte, error) {
	_, v, _ := bytes.Cut(header, []byte(":"))
	switch strings.ToLower(strings.TrimSpace(string(v))) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, body)
		clean = bytes.TrimRight(clean, "=")
		return base64.RawStdEncoding.DecodeString(string(clean))
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	}
	return body, nil
}
