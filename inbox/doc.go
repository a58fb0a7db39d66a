// Package inbox will mirror the shop's mailbox into SQLite: IMAP sync,
// threads, full-text search and replies over SMTP. It knows nothing of
// orders, reminders or the window. (Issue: "Shop mailbox".)
package inbox
