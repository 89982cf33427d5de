using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using TrialManager.Api.Features.Sessions;

namespace TrialManager.Api.Infrastructure.Http;

public static class OpenApiSetup
{
    public const string BearerScheme = "bearer";
    public const string SessionScheme = "session";

    private const string FeaturesNamespace = "TrialManager.Api.Features.";

    /// <summary>One tag per feature folder, in the order a trial meets them.</summary>
    private static readonly IReadOnlyDictionary<string, string> Features = new Dictionary<string, string>
    {
        ["Access"] = "Users, API tokens, the caller and their trial roles.",
        ["Sessions"] = "Sign-in to the web client: an API token exchanged for a session cookie whose writes send X-CSRF-Token.",
        ["Trials"] = "Trials, their arms and status, sites and clusters with covariates.",
        ["Participants"] = "Enrolment, corrections and status changes of participants.",
        ["Randomisation"] = "The scheme, its seal and preview, allocations, the reveal after lock, and unblindings.",
        ["Outcomes"] = "Instruments, timepoints and schedule, assessments, data queries, source-data verification and assessor blinding.",
        ["Reminders"] = "Follow-ups due at the caller's sites.",
        ["Reports"] = "CONSORT flow and assessor blinding.",
        ["Exports"] = "Extracts for statisticians (CSV or CDISC ODM), written by a background job.",
        ["Audit"] = "The hash-chained audit trail: reading, streaming, verifying and checkpointing it.",
        ["Jobs"] = "Running a recurring job now.",
    };

    public static IServiceCollection AddTrialManagerOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "TrialManager API",
                Version = "v1",
                Description = "Data management for cluster randomised controlled trials. Authenticate with `Authorization: Bearer <api token>` " +
                    "(the web client signs in at POST /api/v1/sessions instead and sends its cookie, with `X-CSRF-Token` on writes). " +
                    "Every answer carries `X-Request-Id`; a request may bring its own (1 to 64 of letters, digits and `._:-`), which the " +
                    "audit trail then records. Errors are RFC 9457 problem details. Lists answer `{items, nextCursor}`; pass `nextCursor` " +
                    "as `cursor` for the next page.",
            });
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = BearerScheme,
                Description = "An API token issued by POST /api/v1/users/{userId}/tokens.",
            });
            options.AddSecurityDefinition(SessionScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = SessionCookieHandler.CookieName,
                Description = "The web client's session: the HttpOnly cookie POST /api/v1/sessions sets in exchange for an API token, " +
                    "counted on /api paths when no Authorization header is sent. A write (POST, PUT, PATCH, DELETE) made with it must " +
                    $"send the sign-in's antiForgeryToken as {WebSessions.AntiForgeryHeader}, or it is refused with 403 and changes nothing.",
            });
            options.SupportNonNullableReferenceTypes();
            options.CustomSchemaIds(SchemaId);
            options.TagActionsBy(api => [FeatureOf(api.TryGetMethodInfo(out var method) ? method : null, api.RelativePath)]);
            options.MapType<JsonNode>(() => OpenApiShapes.AnyJson("Any JSON value."));
            options.SchemaFilter<OpenApiSchemas>();
            options.OperationFilter<OpenApiOperations>();
            options.DocumentFilter<FeatureTags>();
        });
        return services;
    }

    /// <summary>The feature folder of the code that maps an operation: `Features/Trials/CreateTrial.cs` is "Trials".</summary>
    private static string FeatureOf(MethodInfo? handler, string? route)
    {
        var type = handler?.DeclaringType;
        while (type?.DeclaringType is not null)
            type = type.DeclaringType;
        var ns = type?.Namespace ?? "";
        if (!ns.StartsWith(FeaturesNamespace, StringComparison.Ordinal))
            throw new InvalidOperationException($"The operation {route} is not mapped from a feature folder, so it has no tag.");
        return ns[FeaturesNamespace.Length..].Split('.')[0];
    }

    /// <summary>
    /// Names a client generator can use as class names: a nested type is named with its use case ("CreateTrialCommand"),
    /// a word they share said once ("GetMe" + "MeView" is "GetMeView"), and a page by what it holds ("TrialViewPage").
    /// </summary>
    private static string SchemaId(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Page<>))
            return SchemaId(type.GetGenericArguments()[0]) + "Page";
        var name = type.Name;
        for (var outer = type.DeclaringType; outer is not null; outer = outer.DeclaringType)
            name = Join(outer.Name, name);
        return name;
    }

    private static string Join(string outer, string inner)
    {
        var (a, b) = (Words(outer), Words(inner));
        var shared = Enumerable.Range(1, Math.Min(a.Count, b.Count)).LastOrDefault(n => a.TakeLast(n).SequenceEqual(b.Take(n)));
        return string.Concat(a.Concat(b.Skip(shared)));
    }

    private static List<string> Words(string name) =>
        System.Text.RegularExpressions.Regex.Split(name, "(?<=[a-z0-9])(?=[A-Z])").ToList();

    /// <summary>The tags with what each holds, and the headers every answer shares.</summary>
    private sealed class FeatureTags : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            var used = document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
                .SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>()).Select(t => t.Name).ToHashSet();
            document.Tags = new HashSet<OpenApiTag>(Features.Where(f => used.Contains(f.Key))
                .Select(f => new OpenApiTag { Name = f.Key, Description = f.Value }));
            document.Components ??= new OpenApiComponents();
            document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
            document.Components.Headers[OpenApiOperations.RequestIdHeader] = new OpenApiHeader
            {
                Description = "The request's id: the caller's own when it sent an acceptable one, else the server's. The audit trail records it.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
    }
}
