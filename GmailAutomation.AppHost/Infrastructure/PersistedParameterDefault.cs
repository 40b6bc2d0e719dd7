using Aspire.Hosting.Publishing;

namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>
/// A generated parameter value that is kept in the data folder beside the data it protects: the first run
/// generates it, later runs read it back, and wiping the data folder forgets both together.
/// </summary>
internal sealed class PersistedParameterDefault(DataFolder data, string name, ParameterDefault generator) : ParameterDefault
{
    public override string GetDefaultValue() => data.GetOrAddParameter(name, generator.GetDefaultValue);

    public override void WriteToManifest(ManifestPublishingContext context) => generator.WriteToManifest(context);
}
