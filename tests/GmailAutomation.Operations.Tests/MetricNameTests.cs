using GmailAutomation.Operations.Tests.Support;

namespace GmailAutomation.Operations.Tests;

/// <summary>
/// The rules and the dashboard name only series the services really export: the instruments are read from the
/// sources and their Prometheus names taken from the real exporter, so renaming a metric in the code fails here.
/// </summary>
public sealed class MetricNameTests
{
    private static readonly Lazy<Task<ExportedMetrics.Scrape>> Scrape = new(() => ExportedMetrics.ScrapeAsync(SourceInstruments.Instruments));

    [Theory]
    [InlineData("services/Shared/GmailAutomation.GmailClient/GmailClientMetrics.cs", "gmail.client.breaker.transitions")]
    [InlineData("services/Shared/GmailAutomation.EventBus/EventBusTelemetry.cs", "eventbus.messages.dead_lettered")]
    [InlineData("services/EmailService/Sync/EmailServiceMetrics.cs", "email.sync.lag")]
    [InlineData("services/AuthService/Tokens/AccessTokenService.cs", "auth.access_tokens.refresh_failures")]
    [InlineData("services/ClassificationService/Pipeline/ClassificationServiceMetrics.cs", "classification.duration")]
    [InlineData("services/ResponseService/ResponseServiceMetrics.cs", "response.ai.cost")]
    [InlineData("services/DraftService/Drafts/DraftServiceMetrics.cs", "draft.latency")]
    public void The_source_reader_finds_the_instruments_of_each_metrics_class(string file, string oneOfThem)
    {
        var inFile = SourceInstruments.Instruments.Where(i => i.File == file.Replace('/', Path.DirectorySeparatorChar)).ToList();

        Assert.True(inFile.Count >= 3, $"only {inFile.Count} instruments read from {file}");
        Assert.Contains(inFile, i => i.Name == oneOfThem);
    }

    [Fact]
    public void The_source_reader_takes_positional_and_named_units()
    {
        var instruments = SourceInstruments.Instruments.ToDictionary(i => i.Name);

        Assert.Equal("s", instruments["email.sync.lag"].Unit);
        Assert.Equal("ms", instruments["auth.access_tokens.refresh_duration"].Unit);
        Assert.Null(instruments["auth.access_tokens.refresh_failures"].Unit);
        Assert.Equal("ObservableGauge", instruments["email.sync.lag"].Kind);
    }

    [Fact]
    public async Task Every_series_the_alert_rules_select_is_exported_or_recorded()
    {
        var rules = MonitoringFiles.Rules();
        var recorded = rules.Where(r => r.Record is not null).Select(r => r.Record!).ToHashSet(StringComparer.Ordinal);
        var exported = (await Scrape.Value).SeriesNames;

        var unknown = rules
            .SelectMany(r => PromQl.SeriesNames(r.Expression).Select(name => (Rule: r.Name, Name: name)))
            .Where(x => !exported.Contains(x.Name) && !recorded.Contains(x.Name) && !ExportedMetrics.ScrapeSeries.Contains(x.Name))
            .Select(x => $"{x.Rule}: {x.Name}")
            .ToList();

        Assert.True(unknown.Count == 0, "Series no service exports: " + string.Join("; ", unknown));
    }

    [Fact]
    public async Task Every_series_the_dashboard_queries_is_exported_or_recorded()
    {
        using var dashboard = MonitoringFiles.Dashboard();
        var recorded = MonitoringFiles.Rules().Where(r => r.Record is not null).Select(r => r.Record!).ToHashSet(StringComparer.Ordinal);
        var exported = (await Scrape.Value).SeriesNames;

        var expressions = MonitoringFiles.DashboardExpressions(dashboard).ToList();
        var unknown = expressions
            .SelectMany(e => PromQl.SeriesNames(e.Expression).Select(name => (e.Where, Name: name)))
            .Where(x => !exported.Contains(x.Name) && !recorded.Contains(x.Name) && !ExportedMetrics.ScrapeSeries.Contains(x.Name))
            .Select(x => $"{x.Where}: {x.Name}")
            .ToList();

        Assert.True(expressions.Count > 30, $"only {expressions.Count} expressions read from the dashboard");
        Assert.True(unknown.Count == 0, "Series no service exports: " + string.Join("; ", unknown));
    }

    [Fact]
    public async Task A_renamed_instrument_would_no_longer_be_exported_under_the_old_name()
    {
        var renamed = SourceInstruments.Instruments
            .Select(i => i.Name == "email.sync.lag" ? i with { Name = "email.sync.delay" } : i)
            .ToList();

        var scrape = await ExportedMetrics.ScrapeAsync(renamed);

        Assert.DoesNotContain("email_sync_lag_seconds", scrape.SeriesNames);
        Assert.Contains("email_sync_delay_seconds", scrape.SeriesNames);
        Assert.Contains("email_sync_lag_seconds", (await Scrape.Value).SeriesNames);
    }

    [Theory]
    [InlineData("sum by (service, le) (rate(gmail_client_quota_wait_milliseconds_bucket{job=\"x\", le=\"+Inf\"}[5m])) > 1000", "gmail_client_quota_wait_milliseconds_bucket")]
    [InlineData("up{job=\"gmail-automation\"} == 0", "up")]
    [InlineData("x unless x offset 15m and on (job, instance) (up offset 15m)", "x,up")]
    [InlineData("account:email_gmail_quota_units:rate10m > 0.8 * scalar(gmail_automation:quota_budget_units_per_second)", "account:email_gmail_quota_units:rate10m,gmail_automation:quota_budget_units_per_second")]
    [InlineData("sum(rate(a_total{service=~\"$service\"}[$__rate_interval])) / 1000", "a_total")]
    public void The_expression_reader_finds_series_names_only(string expression, string expected)
    {
        Assert.Equal(expected.Split(',').Order(), PromQl.SeriesNames(expression).Order());
    }
}
