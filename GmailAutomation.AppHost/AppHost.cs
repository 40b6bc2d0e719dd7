using GmailAutomation.AppHost;
using GmailAutomation.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(InfrastructureSettings.ExpandArguments(args));

// Backing services: the same names (redis, rabbitmq, postgres + one database per owner) whether they
// run as containers or, on machines without a container runtime, as local processes.
var infra = builder.AddBackingServices();
var secrets = builder.AddServiceSecrets(infra);

var gmail = builder.AddProject<Projects.GmailAutomation_GmailEmulator>("gmail-emulator")
    .WithDemoMailbox()
    .WithHttpHealthCheck("/health");

var auth = builder.AddProject<Projects.GmailAutomation_AuthService>("auth-service")
    .WithBackingServices(infra, database: "authdb")
    .WithServiceSecrets(secrets)
    .WithGmail(gmail)
    .WithGoogleOAuth(gmail)
    .WithHttpHealthCheck("/health");

var email = builder.AddProject<Projects.GmailAutomation_EmailService>("email-service")
    .WithBackingServices(infra, database: "emaildb")
    .WithServiceSecrets(secrets)
    .WithPush(gmail, infra)
    .WithGmail(gmail)
    .WithReference(auth).WaitFor(auth)
    .WithHttpHealthCheck("/health");

var classification = builder.AddProject<Projects.GmailAutomation_ClassificationService>("classification-service")
    .WithBackingServices(infra, database: "classificationdb")
    .WithServiceSecrets(secrets)
    .WithGmail(gmail)
    .WithReference(auth).WaitFor(auth)
    .WithHttpHealthCheck("/health");

var response = builder.AddProject<Projects.GmailAutomation_ResponseService>("response-service")
    .WithBackingServices(infra, database: "responsedb")
    .WithServiceSecrets(secrets)
    .WithAiProviders()
    .WithGmail(gmail)
    .WithReference(auth).WaitFor(auth)
    .WithHttpHealthCheck("/health");

var draft = builder.AddProject<Projects.GmailAutomation_DraftService>("draft-service")
    .WithBackingServices(infra, database: "draftdb")
    .WithServiceSecrets(secrets)
    .WithGmail(gmail)
    .WithReference(auth).WaitFor(auth)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.GmailAutomation_ApiGateway>("api-gateway")
    .WithGatewayEndpoint()
    .WithBackingServices(infra, database: "auditdb")
    .WithStatusOf(infra)
    .WithServiceSecrets(secrets)
    .WithReference(auth).WaitFor(auth)
    .WithReference(email).WaitFor(email)
    .WithReference(classification).WaitFor(classification)
    .WithReference(response).WaitFor(response)
    .WithReference(draft).WaitFor(draft)
    .WithReference(gmail).WaitFor(gmail)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
