namespace GmailAutomation.IntegrationTests;

/// <summary>What the AppHost declares for a given configuration, without starting anything.</summary>
public sealed class AppModelTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private readonly string _dataPath = Directory.CreateTempSubdirectory("gmail-automation-model-").FullName;

    public void Dispose() => Directory.Delete(_dataPath, recursive: true);

    [Fact]
    public async Task Gateway_listens_on_8080_unless_configured_otherwise()
    {
        var gateway = (await BuildModelAsync("Infrastructure:Mode=LocalProcesses")).OfType<ProjectResource>().Single(r => r.Name == "api-gateway");

        var endpoint = gateway.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");
        Assert.Equal(8080, endpoint.Port);
        Assert.False(endpoint.IsProxied);
    }

    [Fact]
    public async Task Gateway_port_is_configurable()
    {
        var gateway = (await BuildModelAsync("Infrastructure:Mode=LocalProcesses", "Gateway:Port=18080"))
            .OfType<ProjectResource>().Single(r => r.Name == "api-gateway");

        Assert.Equal(18080, gateway.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http").Port);
    }

    [Fact]
    public async Task Container_mode_uses_aspire_container_resources_under_the_same_names()
    {
        var resources = await BuildModelAsync("Infrastructure:Mode=Containers");

        foreach (var name in new[] { "redis", "rabbitmq", "postgres" })
        {
            var resource = resources.Single(r => r.Name == name);
            Assert.IsAssignableFrom<ContainerResource>(resource);
            Assert.IsAssignableFrom<IResourceWithConnectionString>(resource);
        }

        Assert.DoesNotContain(resources, r => r.Name == "rabbitmq-epmd");
        Assert.All(new[] { "authdb", "emaildb", "classificationdb", "responsedb", "draftdb", "auditdb" },
            name => Assert.IsAssignableFrom<IResourceWithConnectionString>(resources.Single(r => r.Name == name)));
    }

    [Fact]
    public async Task Local_process_mode_runs_debian_servers_under_the_same_names()
    {
        var resources = await BuildModelAsync("Infrastructure:Mode=LocalProcesses");

        Assert.Equal("redis-server", Assert.IsAssignableFrom<ExecutableResource>(resources.Single(r => r.Name == "redis")).Command);
        Assert.EndsWith("rabbitmq-server", Assert.IsAssignableFrom<ExecutableResource>(resources.Single(r => r.Name == "rabbitmq")).Command, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ExecutableResource>(resources.Single(r => r.Name == "postgres"));
        Assert.All(new[] { "redis", "rabbitmq", "postgres", "authdb", "auditdb" },
            name => Assert.IsAssignableFrom<IResourceWithConnectionString>(resources.Single(r => r.Name == name)));
    }

    [Fact]
    public async Task Unknown_mode_is_refused_with_the_allowed_values()
    {
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => BuildModelAsync("Infrastructure:Mode=Cloud"));

        Assert.Contains("Containers, LocalProcesses", Flatten(exception), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wipe_empties_the_data_folder()
    {
        await BuildModelAsync("Infrastructure:Mode=LocalProcesses");
        var leftover = Path.Combine(_dataPath, "redis", "appendonly.aof");
        await File.WriteAllTextAsync(leftover, "old data");

        await BuildModelAsync("Infrastructure:Mode=LocalProcesses", "Infrastructure:Wipe=true");

        Assert.False(File.Exists(leftover));
        Assert.True(Directory.Exists(Path.Combine(_dataPath, "redis")));
    }

    [Fact]
    public async Task Wipe_refuses_a_folder_that_is_not_a_data_folder()
    {
        var unrelated = Path.Combine(_dataPath, "unrelated");
        Directory.CreateDirectory(unrelated);
        var precious = Path.Combine(unrelated, "keep.txt");
        await File.WriteAllTextAsync(precious, "not ours");

        var exception = await Assert.ThrowsAnyAsync<Exception>(
            () => BuildModelAsync("Infrastructure:Mode=LocalProcesses", "Infrastructure:Wipe=true", $"Infrastructure:DataPath={unrelated}"));

        Assert.Contains("Refusing to wipe", Flatten(exception), StringComparison.Ordinal);
        Assert.True(File.Exists(precious));
    }

    [Fact]
    public async Task Ai_settings_given_to_the_apphost_reach_the_response_service_with_the_key_as_a_secret()
    {
        var resources = await BuildModelAsync(
            "Infrastructure:Mode=LocalProcesses",
            "Ai:DefaultProvider=openai-compatible",
            "Ai:Providers:openai-compatible:BaseUrl=http://localhost:11434/v1/",
            "Ai:Providers:openai-compatible:Model=llama3.1",
            "Ai:Providers:openai-compatible:ApiKey=sk-test-key");
        var response = resources.OfType<ProjectResource>().Single(r => r.Name == "response-service");

        var environment = await AiEnvironmentOfAsync(response);

        Assert.Equal("openai-compatible", environment["Ai__DefaultProvider"]);
        Assert.Equal("http://localhost:11434/v1/", environment["Ai__Providers__openai-compatible__BaseUrl"]);
        Assert.Equal("llama3.1", environment["Ai__Providers__openai-compatible__Model"]);
        Assert.Equal("sk-test-key", environment["Ai__Providers__openai-compatible__ApiKey"]);
        Assert.True(resources.OfType<ParameterResource>().Single(p => p.Name == "ai-openai-compatible-api-key").Secret);
    }

    [Fact]
    public async Task Without_ai_settings_the_response_service_gets_none_so_the_offline_provider_writes()
    {
        var response = (await BuildModelAsync("Infrastructure:Mode=LocalProcesses")).OfType<ProjectResource>().Single(r => r.Name == "response-service");

        var environment = await AiEnvironmentOfAsync(response);

        Assert.DoesNotContain(environment.Keys, key => key.StartsWith("Ai__", StringComparison.Ordinal));
    }

    /// <summary>The AI settings a resource would start with in run mode, parameters resolved (endpoints are not allocated here).</summary>
    private static async Task<Dictionary<string, string?>> AiEnvironmentOfAsync(IResource resource)
    {
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), resource);
        foreach (var annotation in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await annotation.Callback(context);
        }

        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in context.EnvironmentVariables.Where(variable => variable.Key.StartsWith("Ai__", StringComparison.Ordinal)))
        {
            values[name] = value switch
            {
                string text => text,
                IValueProvider provider => await provider.GetValueAsync(),
                _ => value?.ToString(),
            };
        }

        return values;
    }

    private async Task<IReadOnlyList<IResource>> BuildModelAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        string[] arguments = args.Any(a => a.StartsWith("Infrastructure:DataPath=", StringComparison.Ordinal))
            ? args
            : [$"Infrastructure:DataPath={_dataPath}", .. args];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.GmailAutomation_AppHost>(
            arguments, (options, _) => options.DisableDashboard = true, timeout.Token);
        return [.. builder.Resources];
    }

    private static string Flatten(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join("\n", aggregate.InnerExceptions.Select(Flatten))
            : exception.InnerException is null ? exception.Message : exception.Message + "\n" + Flatten(exception.InnerException);
}
