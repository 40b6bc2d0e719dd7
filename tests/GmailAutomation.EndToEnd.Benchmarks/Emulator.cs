using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>
/// The kinds of mail a run delivers. Each is decided by a built-in rule, so its category label is known before
/// it is sent, whatever the learned model would say; only the invitation (addressed To the mailbox) needs a reply.
/// </summary>
internal enum MailKind
{
    Receipt,
    Newsletter,
    Notification,
    Invitation,
}

internal static class MailKinds
{
    public static readonly MailKind[] All = Enum.GetValues<MailKind>();

    public static string ExpectedLabel(MailKind kind) => kind switch
    {
        MailKind.Receipt => "Automation/Receipt",
        MailKind.Newsletter => "Automation/Newsletter",
        MailKind.Notification => "Automation/Notification",
        MailKind.Invitation => "Automation/Meeting",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool NeedsReply(MailKind kind) => kind == MailKind.Invitation;

    /// <summary>
    /// The body of every message carries a canary word; the security scan fails when it shows up in a log line.
    /// The RFC Message-ID is unique, so a draft (its In-Reply-To) can be tied to the message it answers.
    /// </summary>
    public static (string Raw, string MessageId) Compose(MailKind kind, int n, string mailbox, string canary)
    {
        var messageId = $"<{Guid.NewGuid():N}@e2e.example>";
        var headers = kind switch
        {
            MailKind.Receipt => $"From: Shop <orders@shop.example>\r\nSubject: Your order #{n} has shipped\r\n",
            MailKind.Newsletter => $"From: Digest <digest@lists.example.net>\r\nSubject: Issue {n} of the digest\r\nList-Id: <digest.lists.example.net>\r\n",
            MailKind.Notification => $"From: Service <no-reply@service.example>\r\nSubject: Weekly summary {n}\r\n",
            MailKind.Invitation => $"From: Carol <carol@friends.example>\r\nSubject: Planning meeting {n}\r\n",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var common = $"To: {mailbox}\r\nDate: {DateTimeOffset.UtcNow:R}\r\nMessage-ID: {messageId}\r\nMIME-Version: 1.0\r\n";
        var text = $"Hello, this is message {n} ({canary}). Could you have a look before Friday? Thanks.\r\n";
        if (kind != MailKind.Invitation)
        {
            return (headers + common + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text, messageId);
        }

        var start = DateTimeOffset.UtcNow.AddDays(3);
        var ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n" +
            $"UID:{Guid.NewGuid():N}@e2e.example\r\nDTSTART:{start:yyyyMMdd'T'HHmmss'Z'}\r\nDTEND:{start.AddHours(1):yyyyMMdd'T'HHmmss'Z'}\r\n" +
            $"SUMMARY:Planning meeting {n}\r\nORGANIZER:mailto:carol@friends.example\r\nATTENDEE:mailto:{mailbox}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        return (headers + common +
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
            "--b1\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n" + ics +
            "--b1\r\nContent-Type: application/ics; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\n\r\n" + ics +
            "--b1--\r\n", messageId);
    }
}

/// <summary>A message handed to the emulator, with what the system must do with it.</summary>
internal sealed record DeliveredMessage(string Mailbox, string GmailId, string RfcMessageId, MailKind Kind, DateTimeOffset DeliveredAt);

/// <summary>The emulator's admin API (not Google's surface): mailboxes, delivery, faults, push status.</summary>
internal sealed class EmulatorAdmin(Uri baseUrl) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
    {
        BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async Task CreateMailboxAsync(string email, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/emulator/mailboxes", new { email }, cancellationToken);
        await EnsureAsync(response, "mailbox", cancellationToken);
    }

    /// <summary>New mail arriving: INBOX + UNREAD, a history record and a push notification.</summary>
    public Task<DeliveredMessage> DeliverAsync(string mailbox, MailKind kind, int n, string canary, CancellationToken cancellationToken) =>
        PostAsync($"/emulator/mailboxes/{Uri.EscapeDataString(mailbox)}/deliver", mailbox, kind, n, canary, cancellationToken);

    /// <summary>Existing mail (no push), dated inside the sync window, for the initial-sync run.</summary>
    public Task<DeliveredMessage> ImportAsync(string mailbox, MailKind kind, int n, string canary, DateTimeOffset date, CancellationToken cancellationToken) =>
        PostAsync($"/emulator/mailboxes/{Uri.EscapeDataString(mailbox)}/messages?labelIds=INBOX&internalDate={date.ToUnixTimeMilliseconds()}", mailbox, kind, n, canary, cancellationToken);

    public async Task<MailboxState> GetMailboxAsync(string mailbox, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"/emulator/mailboxes/{Uri.EscapeDataString(mailbox)}", cancellationToken);
        await EnsureAsync(response, "mailbox", cancellationToken);
        return (await response.Content.ReadFromJsonAsync<MailboxState>(JsonOptions, cancellationToken))!;
    }

    public async Task<HashSet<string>> WatchedAsync(CancellationToken cancellationToken)
    {
        var status = JsonNode.Parse(await _http.GetStringAsync("/emulator/push/status", cancellationToken))!;
        return status["watches"]!.AsArray().Select(w => w!["emailAddress"]!.GetValue<string>()).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public async Task PutFaultsAsync(object faults, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync("/emulator/faults", faults, cancellationToken);
        await EnsureAsync(response, "faults", cancellationToken);
    }

    /// <summary>What the fault injector did: count per status and delayed calls.</summary>
    public async Task<JsonNode?> FaultStatusAsync(CancellationToken cancellationToken) =>
        JsonNode.Parse(await _http.GetStringAsync("/emulator/faults", cancellationToken));

    public async Task ClearFaultsAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync("/emulator/faults", cancellationToken);
        await EnsureAsync(response, "faults", cancellationToken);
    }

    private async Task<DeliveredMessage> PostAsync(string path, string mailbox, MailKind kind, int n, string canary, CancellationToken cancellationToken)
    {
        var (raw, messageId) = MailKinds.Compose(kind, n, mailbox, canary);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(raw));
        content.Headers.ContentType = new("message/rfc822");

        // The delivery time is taken before the request: the latency counts the emulator's own work too.
        var at = DateTimeOffset.UtcNow;
        using var response = await _http.PostAsync(path, content, cancellationToken);
        await EnsureAsync(response, path, cancellationToken);
        var id = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!["id"]!.GetValue<string>();
        return new DeliveredMessage(mailbox, id, messageId, kind, at);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The emulator refused {what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public void Dispose() => _http.Dispose();
}

internal sealed record MailboxState(string Email, IReadOnlyList<MailboxMessage> Messages, IReadOnlyList<MailboxDraft> Drafts);

internal sealed record MailboxMessage(string Id, IReadOnlyList<string> LabelNames, string MessageId);

internal sealed record MailboxDraft(string Id, string MessageId, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A person's browser: sign-in with Google through auth-service and the emulator's consent page (answered Allow),
/// which also connects the mailbox. Redirects are followed by hand, cookies kept. After the callback it replays the
/// same callback (same state, same code): auth-service must refuse it.
/// </summary>
internal sealed class MailboxBrowser : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Returns the account id and the status of the replayed callback.</summary>
    public async Task<(Guid AccountId, int ReplayStatus)> SignInAndConnectAsync(Uri authService, Uri emulator, string email, CancellationToken cancellationToken)
    {
        var next = await RedirectAsync(new Uri(authService, $"/api/auth/signin?connectGmail=true&loginHint={Uri.EscapeDataString(email)}"), cancellationToken);
        using (var atGoogle = await _http.GetAsync(next, cancellationToken))
        {
            if (atGoogle.StatusCode == HttpStatusCode.OK)
            {
                var page = await atGoogle.Content.ReadAsStringAsync(cancellationToken);
                const string marker = "name=\"consent_request\" value=\"";
                var start = page.IndexOf(marker, StringComparison.Ordinal);
                if (start < 0)
                {
                    throw new InvalidOperationException("The emulator did not show its consent page.");
                }

                start += marker.Length;
                var consentId = WebUtility.HtmlDecode(page[start..page.IndexOf('"', start)]);
                using var form = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["consent_request"] = consentId,
                    ["decision"] = "allow",
                    ["email"] = email,
                });
                using var answer = await _http.PostAsync(new Uri(emulator, "/o/oauth2/v2/auth/consent"), form, cancellationToken);
                next = answer.StatusCode == HttpStatusCode.Redirect ? answer.Headers.Location! : throw new InvalidOperationException($"consent answered {(int)answer.StatusCode}");
            }
            else
            {
                next = atGoogle.StatusCode == HttpStatusCode.Redirect ? atGoogle.Headers.Location! : throw new InvalidOperationException($"authorize answered {(int)atGoogle.StatusCode}");
            }
        }

        using var callback = await _http.GetAsync(next, cancellationToken);
        var body = await callback.Content.ReadAsStringAsync(cancellationToken);
        if (callback.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The OAuth callback answered {(int)callback.StatusCode}: {body}");
        }

        var accountId = JsonNode.Parse(body)!["account"]!["id"]!.GetValue<Guid>();
        using var replay = await _http.GetAsync(next, cancellationToken);
        return (accountId, (int)replay.StatusCode);
    }

    private async Task<Uri> RedirectAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(uri, cancellationToken);
        return response.StatusCode == HttpStatusCode.Redirect
            ? response.Headers.Location!
            : throw new InvalidOperationException($"{uri.AbsolutePath} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    public void Dispose() => _http.Dispose();
}
