using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using TrialManager.Api;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Health;
using TrialManager.Api.Features.Jobs;
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

builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.Limits.MaxRequestBodySize = configuration.GetValue<long>("Limits:MaxRequestBodyBytes", 1024 * 1024));

var mode = HostingModes.From(configuration);
builder.AddTrialManagerTelemetry();
var services = builder.Services;
services.AddSingleton<TimeProvider>(new DatabaseClock(TimeProvider.System));
services.AddSingleton(RandomNumberGenerator.Create());
services.AddSingleton(configuration.GetSection("Faults").Get<FaultOptions>() ?? new FaultOptions());
services.AddSingleton<Faults>();
services.AddSingleton(configuration.GetSection("Limits").Get<WriteAdmissionOptions>() ?? new WriteAdmissionOptions());
services.AddHttpContextAccessor();
// Built by the container, so that its connections close when the host stops.
services.AddSingleton(_ => TrialManagerDatabase.CreateDataSource(connectionString));
services.Configure<AuditOptions>(configuration.GetSection("Audit"));
services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuditOptions>>().Value);
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
services.AddTrialManagerRateLimits(configuration);
services.AddPaging(configuration);

services.AddAuthentication(BearerTokenHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
    .AddDashboardCookie(configuration);
services.AddAuthorizationBuilder()
    .AddPolicy(AccessPolicies.SystemAdmin, policy => policy.RequireRole(CurrentUser.SystemAdminRole));
services.AddScoped<CurrentUser>();
services.AddSingleton<TokenCache>();
services.AddHostedService<TokenRevocationListener>();
services.AddScoped<TrialCaller>();
services.AddScoped<IdempotentRequest>();
services.AddTrialManagerJobs(configuration, connectionString, mode);
services.AddTrialManagerExports(configuration, builder.Environment.ContentRootPath);

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
    app.UseRateLimiter();
    app.UseMiddleware<WriteAdmission>();
    app.UseAuthorization();
    app.UseMiddleware<Idempotency>();
    app.MapDashboard();
    app.MapApi();
}

await app.PrepareDatabaseAsync();
await app.RunAsync();

public partial class Program;
