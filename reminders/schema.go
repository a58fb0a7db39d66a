package reminders

import "mostrador/internal/database"

// Migrations are the automated emails' tables. Times are UTC text
// ("2006-01-02T15:04:05Z"), as in the other packages. Steps are never
// edited once released: a change is a new step.
var Migrations = database.Migrations{Package: "reminders", Steps: []string{
	// A job is one automated email, from the moment a change plans it until
	// it is sent, skipped or cancelled. The unique key makes planning
	// idempotent: the same change planned twice (a file imported again)
	// finds its job there and plans nothing. Once the guards let a job go,
	// its email is written into the mailbox's outbox (inbox), which sends it
	// exactly once, retries it and files it in Sent; outbox_id links the two,
	// and the outbox row's state is the job's from then on.
	`CREATE TABLE job (
		id             INTEGER PRIMARY KEY,
		rule           TEXT NOT NULL,            -- thank-you delivery follow-up reorder appointment birthday
		step           TEXT NOT NULL DEFAULT '', -- delivery: shipped delivered; appointment: confirm update cancel remind-24h remind-2h; reorder: the product
		customer_id    INTEGER NOT NULL,
		about          TEXT NOT NULL,            -- what it is about: "order:12", "appointment:7", "customer:3"
		version        INTEGER NOT NULL DEFAULT 0, -- an appointment's start (Unix seconds): a moved one plans anew
		order_id       INTEGER,
		appointment_id INTEGER,
		transactional  INTEGER NOT NULL DEFAULT 0, -- exempt from the frequency cap
		critical       INTEGER NOT NULL DEFAULT 0, -- quiet hours move it to the evening before, not the morning after
		anytime        INTEGER NOT NULL DEFAULT 0, -- goes even in the quiet hours (the customer has just booked)
		due_at         TEXT NOT NULL,
		deadline       TEXT,                     -- after it the email means nothing any more: skipped
		state          TEXT NOT NULL DEFAULT 'planned', -- planned queued skipped cancelled
		reason         TEXT NOT NULL DEFAULT '', -- why skipped, cancelled or postponed: a translation key
		outbox_id      INTEGER,                  -- the email in the mailbox's outbox, once queued
		message_id     TEXT,                     -- its Message-ID (without <>): a customer's reply names it
		queued_at      TEXT,                     -- when it was handed to the outbox (the frequency cap counts these)
		data           TEXT NOT NULL DEFAULT '{}', -- what the change said that the email tells (tracking, the ICS sequence)
		planned_at     TEXT NOT NULL,
		updated_at     TEXT NOT NULL,
		UNIQUE(rule, step, customer_id, about, version)
	);
	CREATE INDEX job_due ON job(due_at) WHERE state = 'planned';
	CREATE INDEX job_customer ON job(customer_id, state, queued_at);
	CREATE INDEX job_appointment ON job(appointment_id) WHERE appointment_id IS NOT NULL;
	CREATE INDEX job_outbox ON job(outbox_id) WHERE outbox_id IS NOT NULL;
	CREATE INDEX job_message ON job(message_id) WHERE message_id IS NOT NULL;
	CREATE INDEX job_queued ON job(queued_at) WHERE queued_at IS NOT NULL;

	-- The owner's choices per rule; a rule without a row has its defaults.
	CREATE TABLE rule_setting (
		rule       TEXT PRIMARY KEY,
		enabled    INTEGER NOT NULL,
		delay      TEXT NOT NULL DEFAULT '', -- a Go duration; '' the rule's default
		updated_at TEXT NOT NULL
	) WITHOUT ROWID;

	-- What a customer asked for: no automated email at all (opted_out), or
	-- none about appointments either (opted_out_appointments); the language
	-- to write in; an address the mail server refused for good.
	CREATE TABLE contact_pref (
		customer_id            INTEGER PRIMARY KEY,
		opted_out              TEXT,            -- when; NULL: receives automated email
		opted_out_appointments TEXT,            -- when; NULL: appointment emails still go
		opt_out_source         TEXT NOT NULL DEFAULT '', -- reply owner
		language               TEXT NOT NULL DEFAULT '', -- es en; '' the shop's
		bad_address            TEXT,            -- when the server refused the address for good
		updated_at             TEXT NOT NULL
	);

	-- The owner's own wording of a rule's email, per language; without a
	-- row the embedded default (assets) is used.
	CREATE TABLE template (
		key        TEXT NOT NULL, -- see TemplateKeys: thank-you, delivery-shipped, appointment-confirm...
		lang       TEXT NOT NULL,
		subject    TEXT NOT NULL,
		body       TEXT NOT NULL,
		updated_at TEXT NOT NULL,
		PRIMARY KEY(key, lang)
	) WITHOUT ROWID;

	-- What customers answered to the automated emails, as read from the
	-- synced mailbox: an opt-out, an appointment confirmed or cancelled, a
	-- satisfaction rating. Every incoming message examined is listed
	-- (kind '' when it said none of these), so that it is read once.
	CREATE TABLE customer_reply (
		message_row INTEGER PRIMARY KEY, -- the message's row in the mailbox
		customer_id INTEGER,             -- NULL: not a customer's
		job_id      INTEGER,             -- the automated email it answers, if any
		kind        TEXT NOT NULL DEFAULT '', -- optout confirm cancel rating
		value       INTEGER,             -- a rating, 1 to 5
		text        TEXT NOT NULL DEFAULT '', -- the words that said it
		at          TEXT NOT NULL        -- when the customer wrote
	);
	CREATE INDEX customer_reply_customer ON customer_reply(customer_id, at) WHERE kind <> '';

	-- Reorder reminders: how many days a product lasts, by SKU or name.
	CREATE TABLE supply (
		product    TEXT PRIMARY KEY COLLATE NOCASE,
		days       INTEGER NOT NULL CHECK (days BETWEEN 1 AND 365),
		updated_at TEXT NOT NULL
	) WITHOUT ROWID`,

	// 2: what merging two customers (orders.MergeCustomers, the order log's
	// step 6) did to the automated emails, so that unmerging undoes it
	// (MergeCustomers, UnmergeCustomers here). merge_id is the order log's
	// customer_merge.id. merge_job: the jobs moved from the other customer
	// to the kept one, and the planned ones cancelled as duplicates (reason
	// job.merged: one thank-you for one person). merge_reply: the answers
	// moved. merge_pref: the kept customer's contact_pref before the merge
	// (NULL: it had none) and what the merge made of it, as JSON.
	`CREATE TABLE merge_job (
		merge_id  INTEGER NOT NULL,
		job_id    INTEGER NOT NULL,
		moved     INTEGER NOT NULL DEFAULT 0,
		cancelled INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY(merge_id, job_id)
	) WITHOUT ROWID;
	CREATE TABLE merge_reply (
		merge_id    INTEGER NOT NULL,
		message_row INTEGER NOT NULL,
		PRIMARY KEY(merge_id, message_row)
	) WITHOUT ROWID;
	CREATE TABLE merge_pref (
		merge_id INTEGER PRIMARY KEY,
		before   TEXT,
		after    TEXT NOT NULL
	)`,
}}
