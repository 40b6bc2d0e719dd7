using System.Globalization;
using System.Net;
using System.Text;

namespace GmailAutomation.ApiGateway.Console;

/// <summary>The quota-over-time chart: an inline SVG bar per minute, drawn on the server (no script, no chart library).</summary>
public static class QuotaChart
{
    public static string Svg(IReadOnlyList<QuotaPointInfo> points, int width = 600, int height = 160)
    {
        var max = Math.Max(1, points.Count == 0 ? 1 : points.Max(p => p.Units));
        var total = points.Sum(p => p.Units);
        var svg = new StringBuilder();
        var label = $"Gmail quota units per minute over the last {points.Count} minutes: {total} in all, at most {max} in one minute.";
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" viewBox=\"0 0 {width} {height + 20}\" role=\"img\" aria-labelledby=\"quota-chart-title\" preserveAspectRatio=\"none\">");
        svg.Append("<title id=\"quota-chart-title\">").Append(WebUtility.HtmlEncode(label)).Append("</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"0\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" class=\"axis\"/>");
        if (points.Count > 0)
        {
            var step = (double)width / points.Count;
            for (var i = 0; i < points.Count; i++)
            {
                var h = points[i].Units == 0 ? 0 : Math.Max(1, points[i].Units * (double)height / max);
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{i * step + step * 0.1:0.##}\" y=\"{height - h:0.##}\" width=\"{step * 0.8:0.##}\" height=\"{h:0.##}\">");
                svg.Append(CultureInfo.InvariantCulture, $"<title>{points[i].Minute:HH:mm} UTC: {points[i].Units} units</title></rect>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{height + 16}\">{points[0].Minute:HH:mm}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width}\" y=\"{height + 16}\" text-anchor=\"end\">{points[^1].Minute:HH:mm} UTC</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"12\">max {max}/min</text>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }
}
