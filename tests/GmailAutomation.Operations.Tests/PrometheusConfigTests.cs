using GmailAutomation.Operations.Tests.Support;

namespace GmailAutomation.Operations.Tests;

/// <summary>deploy/monitoring as Prometheus and Alertmanager read it: their own tools must accept every file.</summary>
public sealed class PrometheusConfigTests
{
    [Fact]
    public async Task Promtool_accepts_the_alert_rules()
    {
        var result = await Tool.RunAsync("promtool", Repository.Monitoring, "check", "rules", "alerts.rules.yml");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_accepts_the_scrape_config_and_the_rule_files_it_names()
    {
        var result = await Tool.RunAsync("promtool", Repository.Monitoring, "check", "config", "prometheus.yml");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS: 1 rule files found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_unit_tests_pass()
    {
        var result = await Tool.RunAsync("promtool", Repository.Monitoring, "test", "rules", "alerts.test.yml");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void Every_alert_has_a_unit_test_that_expects_it_to_fire()
    {
        var tests = File.ReadAllText(Repository.MonitoringFile("alerts.test.yml"));
        var untested = MonitoringFiles.Rules()
            .Where(r => r.Alert is not null)
            .Where(r => !System.Text.RegularExpressions.Regex.IsMatch(tests, $@"alertname: {r.Alert}\s*\n\s*exp_alerts:"))
            .Select(r => r.Name)
            .ToList();

        Assert.True(untested.Count == 0, "Alerts without a firing test in alerts.test.yml: " + string.Join(", ", untested));
    }

    [Fact]
    public void Every_alert_has_a_severity_summary_and_a_runbook_section_in_the_operations_guide()
    {
        var guide = File.ReadAllText(Path.Combine(Repository.Root, "docs", "operations.md"));
        var anchors = System.Text.RegularExpressions.Regex.Matches(guide, @"^#+\s+(?<title>.+)$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => Anchor(m.Groups["title"].Value))
            .ToHashSet(StringComparer.Ordinal);

        foreach (var alert in MonitoringFiles.Rules().Where(r => r.Alert is not null))
        {
            Assert.True(alert.Labels.TryGetValue("severity", out var severity) && severity is "critical" or "warning", $"{alert.Name}: severity must be critical or warning");
            Assert.False(string.IsNullOrWhiteSpace(alert.Annotations.GetValueOrDefault("summary")), $"{alert.Name}: no summary");
            var runbook = alert.Annotations.GetValueOrDefault("runbook") ?? string.Empty;
            Assert.StartsWith("docs/operations.md#", runbook, StringComparison.Ordinal);
            Assert.True(anchors.Contains(runbook[(runbook.IndexOf('#') + 1)..]), $"{alert.Name}: {runbook} has no heading in docs/operations.md");
        }
    }

    [Fact]
    public async Task Amtool_accepts_the_alertmanager_config()
    {
        var result = await Tool.RunAsync("amtool", Repository.Monitoring, "check-config", "alertmanager.yml");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData("critical", "slack-critical")]
    [InlineData("warning", "slack-warnings")]
    public async Task Every_alert_of_a_severity_is_routed_to_its_slack_receiver(string severity, string receiver)
    {
        var alerts = MonitoringFiles.Rules().Where(r => r.Alert is not null && r.Labels.GetValueOrDefault("severity") == severity).ToList();
        Assert.NotEmpty(alerts);

        foreach (var alert in alerts)
        {
            var result = await Tool.RunAsync(
                "amtool", Repository.Monitoring, "config", "routes", "test", "--config.file=alertmanager.yml", $"--verify.receivers={receiver}", $"alertname={alert.Alert}", $"severity={severity}", "service=email-service");

            Assert.True(result.ExitCode == 0, $"{alert.Alert}: {result}");
        }
    }

    [Fact]
    public void The_slack_webhook_is_read_from_a_secret_file_never_written_in_the_config()
    {
        var config = File.ReadAllText(Repository.MonitoringFile("alertmanager.yml"));

        Assert.Contains("slack_api_url_file:", config, StringComparison.Ordinal);
        Assert.DoesNotContain("hooks.slack.com", config, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s*(slack_)?api_url:", config);
    }

    private static string Anchor(string title) =>
        new string([.. title.Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-')]).Replace(' ', '-');
}
