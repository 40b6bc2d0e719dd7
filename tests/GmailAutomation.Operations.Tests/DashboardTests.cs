using System.Text.Json;
using GmailAutomation.Operations.Tests.Support;

namespace GmailAutomation.Operations.Tests;

/// <summary>The Grafana dashboard has the shape Grafana imports: identified, laid out, every panel querying Prometheus through the datasource variable.</summary>
public sealed class DashboardTests
{
    [Fact]
    public void The_dashboard_is_identified_and_has_a_prometheus_datasource_variable()
    {
        using var dashboard = MonitoringFiles.Dashboard();
        var root = dashboard.RootElement;

        Assert.Equal("gmail-automation", root.GetProperty("uid").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()));
        Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 36);
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        var datasource = Assert.Single(variables, v => v.GetProperty("name").GetString() == "datasource");
        Assert.Equal("datasource", datasource.GetProperty("type").GetString());
        Assert.Equal("prometheus", datasource.GetProperty("query").GetString());
    }

    [Fact]
    public void Every_panel_queries_prometheus_through_the_datasource_variable()
    {
        using var dashboard = MonitoringFiles.Dashboard();
        var panels = MonitoringFiles.Panels(dashboard.RootElement).Where(p => p.GetProperty("type").GetString() != "row").ToList();

        Assert.True(panels.Count >= 20, $"only {panels.Count} panels");
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            AssertVariableDatasource(panel.GetProperty("datasource"), title);
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel '{title}' has no targets");
            foreach (var target in targets)
            {
                Assert.False(string.IsNullOrWhiteSpace(target.GetProperty("expr").GetString()), $"panel '{title}' has a target without expr");
                Assert.False(string.IsNullOrWhiteSpace(target.GetProperty("refId").GetString()), $"panel '{title}' has a target without refId");
                AssertVariableDatasource(target.GetProperty("datasource"), title);
            }

            Assert.Equal(targets.Count, targets.Select(t => t.GetProperty("refId").GetString()).Distinct().Count());
        }
    }

    [Fact]
    public void Panels_have_unique_ids_and_fit_the_24_column_grid_without_overlapping()
    {
        using var dashboard = MonitoringFiles.Dashboard();
        var panels = MonitoringFiles.Panels(dashboard.RootElement).ToList();
        var ids = panels.Select(p => p.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());

        var cells = new HashSet<(int X, int Y)>();
        foreach (var panel in panels)
        {
            var grid = panel.GetProperty("gridPos");
            int x = grid.GetProperty("x").GetInt32(), y = grid.GetProperty("y").GetInt32(), w = grid.GetProperty("w").GetInt32(), h = grid.GetProperty("h").GetInt32();
            Assert.True(x >= 0 && w > 0 && h > 0 && x + w <= 24, $"panel '{panel.GetProperty("title").GetString()}' is outside the grid");
            for (var cx = x; cx < x + w; cx++)
            {
                for (var cy = y; cy < y + h; cy++)
                {
                    Assert.True(cells.Add((cx, cy)), $"panel '{panel.GetProperty("title").GetString()}' overlaps another at {cx},{cy}");
                }
            }
        }
    }

    [Fact]
    public void The_provisioned_datasource_has_the_uid_and_type_the_dashboard_expects()
    {
        var datasource = File.ReadAllText(Repository.MonitoringFile("grafana", "provisioning", "datasources", "prometheus.yml"));

        Assert.Contains("type: prometheus", datasource, StringComparison.Ordinal);
        Assert.Contains("uid: prometheus", datasource, StringComparison.Ordinal);
    }

    private static void AssertVariableDatasource(JsonElement datasource, string? title)
    {
        Assert.Equal("prometheus", datasource.GetProperty("type").GetString());
        Assert.True(datasource.GetProperty("uid").GetString() == "${datasource}", $"panel '{title}' does not use the datasource variable");
    }
}
