using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Sessions;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// What every API operation shares, derived from how it is mapped rather than listed by hand: the bearer token or the
/// web session's cookie; the answers the pipeline gives whatever the handler does (401, 429 and 500 everywhere; 404
/// where a path names something; 400, 413, 415 and 422 for a body; 409 and 422 from an Idempotency-Key on a POST, PUT
/// or PATCH; 403 behind the admin policy and for a write with the cookie but without its anti-forgery token); the
/// headers (X-Request-Id on every answer, Location, Retry-After, Idempotency-Key and its replay mark, X-CSRF-Token on
/// writes, and those an endpoint declares with <see cref="EndpointDocs"/>); query parameters in camelCase with their
/// words; and a schema for file answers.
/// </summary>
internal sealed partial class OpenApiOperations : IOperationFilter
{
    public const string RequestIdHeader = "RequestId";
    private static readonly OpenApiSchema Binary = new() { Type = JsonSchemaType.String, Format = "binary" };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var api = context.ApiDescription;
        if (api.RelativePath?.StartsWith("api/", StringComparison.Ordinal) != true)
            return;
        var route = Constraint().Replace(api.RelativePath, "{$1}");
        var keyed = api.HttpMethod is { } method && Idempotency.TakesKey(method);
        var metadata = api.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        // A write a browser could be made to send: the cookie alone does not do for it (Features/Sessions/WebSessions.cs).
        var forgeable = !anonymous && !HttpMethods.IsGet(api.HttpMethod ?? HttpMethods.Get);
        // Either credential alone, as two alternatives; an anonymous operation (sign-in, whose credential is in its
        // body) says so with an empty list.
        operation.Security = anonymous
            ? []
            : [Requirement(OpenApiSetup.BearerScheme, context.Document), Requirement(OpenApiSetup.SessionScheme, context.Document)];

        operation.Parameters ??= [];
        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
        {
            if (parameter.In == ParameterLocation.Query)
                parameter.Name = JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!);
            if (OpenApiVocabulary.Parameters.TryGetValue((route, parameter.Name!), out var vocabulary))
                parameter.Schema = vocabulary.Enum is { } words
                    ? context.SchemaGenerator.GenerateSchema(words, context.SchemaRepository)
                    : Words(vocabulary.Schema, vocabulary.Words!, context.SchemaRepository);
        }
        if (keyed)
            operation.Parameters.Add(Header(Idempotency.Header, metadata.OfType<EndpointDocs.SafeToRepeat>().Any()
                ? "Accepted and not kept: this request records nothing a retry could duplicate, so a retry simply runs again."
                : "Makes a retry safe: a request that changed something is answered again, unchanged, to a retry with the same key " +
                  "(marked Idempotency-Replayed); the same key with another request (another body, query or If-Match) is a 422, and while " +
                  "the first request runs a 409.", false));
        if (forgeable)
            operation.Parameters.Add(Header(WebSessions.AntiForgeryHeader,
                "Needed with the session cookie: the antiForgeryToken of the sign-in that set it (without it, or with another " +
                "session's, the write is refused with 403 and changes nothing). A request with a bearer token needs none.", false));
        foreach (var header in metadata.OfType<EndpointDocs.RequestHeader>())
            operation.Parameters.Add(Header(header.Name, header.Description, header.Required));

        operation.Responses ??= [];
        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        foreach (var status in Statuses(api, keyed, forgeable, metadata))
            operation.Responses.TryAdd(status.ToString(CultureInfo.InvariantCulture), new OpenApiResponse
            {
                Description = status == 401 ? "Missing, invalid, revoked or expired token, or an ended session" : ProblemExceptionHandler.TitleFor(status),
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
            });

        foreach (var produced in metadata.OfType<IProducesResponseTypeMetadata>().Where(p => p.Type is null || p.Type == typeof(void)))
            if (operation.Responses.TryGetValue(produced.StatusCode.ToString(CultureInfo.InvariantCulture), out var answer)
                && answer is OpenApiResponse file)
            {
                file.Content ??= new Dictionary<string, OpenApiMediaType>();
                foreach (var contentType in produced.ContentTypes)
                    file.Content.TryAdd(contentType, new OpenApiMediaType { Schema = Binary });
            }

        foreach (var (status, answer) in operation.Responses)
        {
            if (answer is not OpenApiResponse response)
                continue;
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[RequestIds.Header] = new OpenApiHeaderReference(RequestIdHeader, context.Document);
            if (status == "201")
                response.Headers["Location"] = Described("The address of what was created.", JsonSchemaType.String);
            if (status == "429")
                response.Headers["Retry-After"] = Described("Seconds to wait before the token's budget allows another request.", JsonSchemaType.Integer);
            if (keyed && status == "409")
                response.Headers["Retry-After"] = Described("Sent when another request with the same Idempotency-Key is still running: seconds to wait.", JsonSchemaType.Integer);
            if (keyed && status.StartsWith('2'))
                response.Headers["Idempotency-Replayed"] = Described("\"true\" when this is the stored answer to an earlier request with the same Idempotency-Key.", JsonSchemaType.String);
            foreach (var header in metadata.OfType<EndpointDocs.ResponseHeader>().Where(h => h.Status.ToString(CultureInfo.InvariantCulture) == status))
                response.Headers[header.Name] = Described(header.Description, JsonSchemaType.String);
        }
    }

    private static IEnumerable<int> Statuses(ApiDescription api, bool keyed, bool forgeable, IList<object> metadata)
    {
        yield return 401;
        yield return 429;
        yield return 500;
        var parameters = api.ParameterDescriptions;
        if (parameters.Any(p => p.Source == BindingSource.Path))
            yield return 404;
        if (parameters.Any(p => p.Source == BindingSource.Body))
            foreach (var status in new[] { 400, 413, 415, 422 })
                yield return status;
        // A query value that does not parse as its type (a uuid, a number, a date) is a bad request.
        if (parameters.Any(p => p.Source == BindingSource.Query && p.Type != typeof(string)))
            yield return 400;
        if (keyed)
        {
            yield return 409;
            yield return 422;
        }
        if (forgeable || metadata.OfType<IAuthorizeData>().Any(a => a.Policy == AccessPolicies.SystemAdmin))
            yield return 403;
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };

    private static IOpenApiSchema Words(string id, IReadOnlyList<string> words, SchemaRepository repository) =>
        repository.Schemas.ContainsKey(id)
            ? new OpenApiSchemaReference(id)
            : repository.AddDefinition(id, new OpenApiSchema { Type = JsonSchemaType.String, Enum = OpenApiVocabulary.AsEnum(words) });

    private static OpenApiParameter Header(string name, string description, bool required) => new()
    {
        Name = name, In = ParameterLocation.Header, Required = required, Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };

    private static OpenApiHeader Described(string description, JsonSchemaType type) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = type } };

    /// <summary>Route constraints ("{trialId:guid}") as the document writes the path ("{trialId}").</summary>
    [GeneratedRegex(@"\{(\w+)[^}]*\}")]
    private static partial Regex Constraint();
}
