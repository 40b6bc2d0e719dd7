using System.Globalization;
using System.Text.RegularExpressions;

namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>
/// Where a message's time goes inside the services, from their own Prometheus endpoints (/metrics): the mean time
/// in each service's event handlers and waiting at the Gmail quota bucket over the window, from the difference of
/// the histograms' _sum and _count between two scrapes. With replicas the proxied endpoint answers for one replica
/// per scrape, so these figures are for single-instance runs.
/// </summary>
internal static partial class ServiceMetrics
{
    private static readonly string[] Series =
    [
        "eventbus_handler_duration_seconds",
        "gmail_client_quota_wait_milliseconds",
        "classification_duration_milliseconds",
        "response_reply_duration_seconds",
        "draft_latency_seconds",
        "email_sync_duration_seconds",
    ];

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>(service, series) → (sum, count) summed over label sets.</summary>
    public static async Task<Dictionary<(string Service, string Series), (double Sum, double Count)>> ScrapeAsync(AppHostSession session, CancellationToken cancellationToken)
    {
        var values = new Dictionary<(string, string), (double, double)>();
        foreach (var service in AppHostSession.Services.Where(s => s != "gmail-emulator"))
        {
            string text;
            try
            {
                text = await Http.GetStringAsync(new Uri(session.Endpoint(service), "/metrics"), cancellationToken);
            }
            catch (HttpRequestException)
            {
                continue;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                continue;
            }

            foreach (Match line in Sample().Matches(text))
            {
                var name = line.Groups["name"].Value;
                var series = Series.FirstOrDefault(s => name == s + "_sum" || name == s + "_count");
                if (series is null || !double.TryParse(line.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    continue;
                }

                var (sum, count) = values.GetValueOrDefault((service, series));
                values[(service, series)] = name.EndsWith("_sum", StringComparison.Ordinal) ? (sum + value, count) : (sum, count + value);
            }
        }

        return values;
    }

    /// <summary>Mean per observation between two scrapes, in ms, for every series that moved.</summary>
    public static List<Dictionary<string, object>> Difference(
        Dictionary<(string Service, string Series), (double Sum, double Count)> before,
        Dictionary<(string Service, string Series), (double Sum, double Count)> after)
    {
        var rows = new List<Dictionary<string, object>>();
        foreach (var ((service, series), (sum, count)) in after.OrderBy(a => a.Key.Service, StringComparer.Ordinal))
        {
            var (sum0, count0) = before.GetValueOrDefault((service, series));
            var n = count - count0;
            if (n <= 0)
            {
                continue;
            }

            var toMs = series.EndsWith("_seconds", StringComparison.Ordinal) ? 1000 : 1;
            rows.Add(new Dictionary<string, object>
            {
                ["service"] = service,
                ["series"] = series,
                ["observations"] = n,
                ["meanMs"] = Math.Round((sum - sum0) / n * toMs, 1),
            });
        }

        return rows;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(?<value>\S+)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Sample();
}
