using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Json;
using TrialManager.Api;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Health;
using TrialManager.Api.Features.Jobs;
using TrialManager.Api.Features.Reminders;
using TrialManager.Api.Features.Sessions;
using TrialManager.Api.Features.WebClient;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Telemetry;
using TrialManager.Api.Infrastructure.Validation;
using TrialManager.Data;

var builder = WebApplication.CreateBuilder(args);
var configuration = builder.Configuration;

var connectionString = configuration.GetConnectionString(TrialManagerDatabase.ConnectionStringName);
if (string.IsNullOrWhiteSpace(connectionString))
    throw new InvalidOperationException(
        "Set the connection string ConnectionStrings:TrialManager (environment ConnectionStrings__TrialManager), " +
        "or start the service with deploy/local/start.sh, which sets up a local PostgreSQL database.");

var mode = HostingModes.From(configuration);
builder.AddTrialManagerTelemetry();
var pooler = DatabasePoolers.Parse(configuration[DatabasePoolers.Setting]);
var tokenCache = TokenCache.For(pooler, configuration);
var services = builder.Services;
services.AddSingleton<TimeProvider>(new DatabaseClock(TimeProvider.System));
services.AddSingleton(RandomNumberGenerator.Create());
// Every settings section is checked before the process serves or runs a job (Infrastructure/Settings.cs).
services.AddDatabaseStartup();
services.AddRequestBodyLimit();
services.AddSettings<FaultOptions>("Faults");
services.AddSingleton<Faults>();
services.AddSettings<WriteAdmissionOptions>("Limits");
services.AddSettings<ReminderOptions>("Reminders");
services.AddSettings<SmtpOptions>("Smtp");
services.AddHttpContextAccessor();
// Built by the container, so that its connections close when the host stops.
services.AddSingleton(_ => TrialManagerDatabase.CreateDataSource(connectionString, pooler));
services.AddSettings<AuditOptions>("Audit");
services.AddSettings<IdempotencyOptions>("Idempotency");
services.AddSingleton<AuditInterceptor>();
services.AddScoped<AuditChainStore>();
services.AddSingleton<ITrialWriteCompanion, StrandLease>();
services.AddScoped<AccessAudit>();
services.AddScoped<TrialManager.Api.Features.Blinding.CallerBlinding>();
services.AddScoped<TrialManager.Api.Features.Participants.ParticipantViews>();
services.AddSingleton<TrialManager.Api.Features.Outcomes.PublishedInstruments>();
services.AddDbContextPool<TrialManagerDbContext>((sp, options) => options
    .UseTrialManagerDatabase(sp.GetRequiredService<Npgsql.NpgsqlDataSource>())
    .AddInterceptors(sp.GetRequiredService<AuditInterceptor>()));

services.Configure<JsonOptions>(options =>
{
    options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
    // Every text of every body passes the one text rule (Infrastructure/Validation/TextRules) as it is read.
    options.SerializerOptions.Converters.Add(new CheckedStringConverter());
    options.SerializerOptions.Converters.Add(new CheckedJsonElementConverter());
});
services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
services.AddTrialManagerProblemDetails();
services.AddTrialManagerOpenApi();
services.AddTrialManagerHealth();
services.AddTrialManagerRateLimits();
services.AddPaging();

// One key ring for every replica, kept in the database, so that a cookie issued by one is read by all; a fixed
// application name, as the default (the content root) may differ between machines.
services.AddDataProtection().SetApplicationName("TrialManager").PersistKeysToDbContext<TrialManagerDbContext>();
// A bearer token, or on API paths the web client's session cookie (Features/Sessions/WebSessions.cs).
services.AddAuthentication(WebSessions.CallerScheme)
    .AddCallerSchemes()
    .AddDashboardCookie();
services.AddAuthorizationBuilder()
    .AddPolicy(AccessPolicies.SystemAdmin, policy => policy.RequireRole(CurrentUser.SystemAdminRole));
services.AddScoped<CurrentUser>();
services.AddScoped<TokenVerifier>();
services.AddSingleton(tokenCache);
if (tokenCache.NeedsListener)
    services.AddHostedService<TokenRevocationListener>();
services.AddScoped<TrialCaller>();
services.AddScoped<IdempotentRequest>();
services.AddTrialManagerJobs(connectionString, mode, pooler);
services.AddTrialManagerExports(builder.Environment.ContentRootPath);

ValidatorOptions.Global.PropertyNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
// Validators are stateless; building one compiles its rules, so it is built once.
services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton);
services.AddMediator((MediatorOptions options) =>
{
    options.ServiceLifetime = ServiceLifetime.Scoped;
    // Order matters: one transaction around everything, then who may do it, then whether the input is valid.
    options.PipelineBehaviors = [typeof(UnitOfWorkBehaviour<,>), typeof(TrialAccessBehaviour<,>), typeof(ValidationBehaviour<,>)];
});

var app = builder.Build();
// The migrations Job of a deployment (Hosting:Mode=migrate) needs only its connection strings, not the settings of
// the processes that serve (an export folder it does not mount).
if (mode == HostingMode.Migrate)
{
    var exitCode = await app.MigrateAsync();
    await app.DisposeAsync(); // flushes the log
    return exitCode;
}
app.CheckSettings();

app.UseRequestIds();
app.UseRequestLogScope();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCheckedRequestValues();
if (mode.ServesApi())
    app.UseDashboardTokenExchange();
app.UseAuthentication();
app.MapHealth();
if (mode.ServesApi())
{
    app.UseSwagger();
    app.UseSwaggerUI(ui => ui.SwaggerEndpoint("/swagger/v1/swagger.json", "TrialManager API v1"));
    app.UseWebClient();
    app.UseRateLimiter();
    app.UseSessionAntiForgery();
    app.UseMiddleware<WriteAdmission>();
    app.UseAuthorization();
    app.UseMiddleware<Idempotency>();
    app.MapDashboard();
    app.MapApi();
}

await app.PrepareDatabaseAsync();
await app.RunAsync();
return 0;

public partial class Program;
