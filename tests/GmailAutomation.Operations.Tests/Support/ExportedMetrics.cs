using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.Operations.Tests.Support;

/// <summary>
/// The metric names Prometheus stores for our services, as the real exporter writes them: a service built like
/// ours (ServiceDefaults) re-creates every instrument found in the sources (same name, kind and unit), records a
/// value on each, serves one HTTP request, and is scraped the way Prometheus scrapes
/// (OpenMetrics and the classic text format). The exporter's own translation (dots to underscores, unit and
/// <c>_total</c> suffixes, histogram series) is thereby what the tests compare against, not a copy of it.
/// </summary>
internal static partial class ExportedMetrics
{
    public const string OpenMetricsAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    public const string ClassicAccept = "text/plain;version=0.0.4";

    private const string MirrorMeter = "GmailAutomation.Operations.Tests.Mirror";

    /// <summary>Series names Prometheus itself adds to every target.</summary>
    public static readonly IReadOnlySet<string> ScrapeSeries = new HashSet<string>(StringComparer.Ordinal)
    {
        "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added",
    };

    public static async Task<Scrape> ScrapeAsync(IReadOnlyList<SourceInstrument> instruments)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/work", () => "done");
        await app.StartAsync();

        using var meter = app.Services.GetRequiredService<IMeterFactory>().Create(MirrorMeter);
        foreach (var instrument in instruments)
        {
            Mirror(meter, instrument);
        }

        var client = app.GetTestClient();
        (await client.GetAsync("/work")).EnsureSuccessStatusCode();

        var openMetrics = await GetAsync(client, OpenMetricsAccept);
        var classic = await GetAsync(client, ClassicAccept);
        await app.StopAsync();
        return new Scrape(openMetrics, classic);
    }

    private static async Task<string> GetAsync(HttpClient client, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Clear();
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private static void Mirror(Meter meter, SourceInstrument instrument)
    {
        switch (instrument.Kind)
        {
            case "Counter":
                meter.CreateCounter<double>(instrument.Name, instrument.Unit).Add(1);
                break;
            case "UpDownCounter":
                meter.CreateUpDownCounter<double>(instrument.Name, instrument.Unit).Add(1);
                break;
            case "Histogram":
                meter.CreateHistogram<double>(instrument.Name, instrument.Unit).Record(1);
                break;
            case "Gauge":
                meter.CreateGauge<double>(instrument.Name, instrument.Unit).Record(1);
                break;
            case "ObservableCounter":
                meter.CreateObservableCounter(instrument.Name, () => 1.0, instrument.Unit);
                break;
            case "ObservableUpDownCounter":
                meter.CreateObservableUpDownCounter(instrument.Name, () => 1.0, instrument.Unit);
                break;
            case "ObservableGauge":
                meter.CreateObservableGauge(instrument.Name, () => 1.0, instrument.Unit);
                break;
            default:
                throw new InvalidOperationException($"Unknown instrument kind {instrument.Kind} ({instrument.Name} in {instrument.File}).");
        }
    }

    /// <summary>What one scrape in each format served.</summary>
    internal sealed partial record Scrape(string OpenMetrics, string Classic)
    {
        /// <summary>Series names served in both formats (Prometheus may negotiate either).</summary>
        public IReadOnlySet<string> SeriesNames
        {
            get
            {
                var names = Names(OpenMetrics);
                names.IntersectWith(Names(Classic));
                return names;
            }
        }

        private static HashSet<string> Names(string exposition) =>
            exposition.Split('\n')
                .Where(line => line.Length > 0 && line[0] != '#')
                .Select(line => SeriesName().Match(line))
                .Where(match => match.Success)
                .Select(match => match.Value)
                .ToHashSet(StringComparer.Ordinal);

        [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
        private static partial Regex SeriesName();
    }
}
