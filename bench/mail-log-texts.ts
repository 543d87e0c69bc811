/**
 * Twenty realistic mail_logs texts (after `Info: `), built from the grammar in the ESA notes, for
 * benchmarks until the generators land. Documentation addresses and example domains only.
 */
export const MAIL_LOG_TEXTS: readonly string[] = Object.freeze([
  'New SMTP ICID 3160 interface Data 1 (192.0.2.12) address 198.51.100.5 reverse dns host unknown verified no',
  'ICID 3160 ACCEPT SG UNKNOWNLIST match sbrs[-1.0:10.0] SBRS 0.0 country not enabled',
  'Start MID 64855 ICID 3160',
  'MID 64855 ICID 3160 From: <alice@example.org>',
  'MID 64855 ICID 3160 RID 0 To: <bob@example.com>',
  "MID 64855 Message-ID '<abc123@example.org>'",
  "MID 64855 Subject 'Quarterly report'",
  'MID 64855 ready 4940 bytes from <alice@example.org>',
  'MID 64855 matched all recipients for per-recipient policy DEFAULT in the inbound table',
  'ICID 3160 close',
  'MID 64855 interim verdict using engine: CASE spam negative',
  'MID 64855 interim AV verdict using Sophos CLEAN',
  'MID 64855 Outbreak Filters: verdict negative',
  'MID 64855 queued for delivery',
  'New SMTP DCID 7436 interface 192.0.2.12 address 203.0.113.25 port 25',
  'DCID 7436 TLS success protocol TLSv1.2 cipher ECDHE-RSA-AES256-GCM-SHA384',
  'Delivery start DCID 7436 MID 64855 to RID [0]',
  'Message done DCID 7436 MID 64855 to RID [0] ',
  "MID 64855 RID [0] Response '2.0.0 Ok: queued as 4Xyz'",
  'MID 64855 DKIM: pass signature verified (d=example.org s=selector1 i=@example.org)',
]);
