package inbox

// Attachments: their names, made-up names, and which images are inline.

import (
	"strings"
	"unicode/utf8"
)

// finishAttachments marks the images that an HTML body shows inline.
func (p *mimeParser) finishAttachments() {
	for i := range p.out.Attachments {
		a := &p.out.Attachments[i]
		if a.ContentID != "" && p.cids[a.ContentID] && strings.HasPrefix(a.Type, "image/") {
			a.Inline = true
		}
	}
}

// noteCIDs records the Content-IDs an HTML body refers to, which makes
// those images inline rather than attachments to list.
func (p *mimeParser) noteCIDs(html string) {
	for {
		i := strings.Index(html, "cid:")
		if i < 0 {
			return
		}
		html = html[i+4:]
		end := strings.IndexAny(html, "\"' >)\r\n\t")
		if end < 0 {
			end = len(html)
		}
		if p.cids == nil {
			p.cids = make(map[string]bool)
		}
		p.cids[html[:end]] = true
		html = html[end:]
	}
}

// attachmentName is the name an attachment is listed under: the file name
// its header gives, else the Subject of an attached message, else one made
// from the part number and the type ("adjunto-2.pdf").
func (p *mimeParser) attachmentName(name string, body []byte, typ, cte, part, where string) string {
	name = cleanFilename(name)
	if name == "" && (typ == "message/rfc822" || typ == "message/global") {
		inner, _, _ := readMIMEHeader(p.transferDecode(body, cte, where), true)
		if subj := collapseSpaces(p.decodeWords(inner.get("Subject"), "Subject")); subj != "" {
			name = cleanFilename(strings.Map(safeNameRune, truncateUTF8(subj, 200)) + ".eml")
		}
	}
	if name == "" {
		name = "adjunto-" + strings.ReplaceAll(part, ".", "-") + extensionFor(typ)
	}
	return name
}

// cleanFilename keeps the last path element of a file name, without control
// characters, runs of spaces or absurd length.
func cleanFilename(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < ' ' || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	s = collapseSpaces(s)
	if s == "." || s == ".." {
		return ""
	}
	return truncateUTF8(s, 255)
}

// safeNameRune replaces the characters that file systems refuse.
func safeNameRune(r rune) rune {
	if strings.ContainsRune(`/\:*?"<>|`, r) {
		return '_'
	}
	return r
}

// extensionFor gives a made-up file name an extension. A fixed table, because
// mime.ExtensionsByType depends on the machine's mime.types.
func extensionFor(typ string) string {
	switch typ {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/heic":
		return ".heic"
	case "text/calendar":
		return ".ics"
	case "text/csv":
		return ".csv"
	case "text/html":
		return ".html"
	case "text/plain", "message/delivery-status", "message/global-delivery-status", "text/rfc822-headers":
		return ".txt"
	case "message/rfc822", "message/global":
		return ".eml"
	case "application/zip":
		return ".zip"
	case "application/msword":
		return ".doc"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return ".docx"
	case "application/vnd.ms-excel":
		return ".xls"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ".xlsx"
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return ".dat"
	case "text/vcard", "text/x-vcard":
		return ".vcf"
	}
	return ".bin"
}
