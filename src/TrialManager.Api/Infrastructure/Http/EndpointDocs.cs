using Microsoft.AspNetCore.Mvc;

namespace TrialManager.Api.Infrastructure.Http;

public static class EndpointDocs
{
    /// <summary>A header an endpoint reads, for the OpenAPI document.</summary>
    public sealed record RequestHeader(string Name, string Description, bool Required);

    /// <summary>A header an endpoint sets on one of its answers, for the OpenAPI document.</summary>
    public sealed record ResponseHeader(int Status, string Name, string Description);

    /// <summary>
    /// A POST that records nothing a retry could duplicate (a preview, a checkpoint of the chain's head, a job run
    /// now): a retry simply runs again, so it keeps nothing for an Idempotency-Key (whose length is still checked).
    /// </summary>
    public sealed record SafeToRepeat;

    public static RouteHandlerBuilder SafeToRepeatPost(this RouteHandlerBuilder endpoint) => endpoint.WithMetadata(new SafeToRepeat());

    /// <summary>Documents the problem-details answers an endpoint can give besides the ones every route shares.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder endpoint, params int[] statuses)
    {
        foreach (var status in statuses)
            endpoint.Produces<ProblemDetails>(status, "application/problem+json");
        return endpoint;
    }

    /// <summary>Trial routes answer 404 to non-members and 403 to members whose role does not allow the request.</summary>
    public static RouteHandlerBuilder TrialRead(this RouteHandlerBuilder endpoint) => endpoint.ProducesErrors(403, 404);

    /// <summary>Trial writes add the body's problems (400, 413, 415, 422) and 409 for duplicates or a locked trial.</summary>
    public static RouteHandlerBuilder TrialWrite(this RouteHandlerBuilder endpoint) =>
        endpoint.ProducesErrors(400, 403, 404, 409, 413, 415, 422);

    public static RouteHandlerBuilder ReadsHeader(this RouteHandlerBuilder endpoint, string name, string description, bool required = false) =>
        endpoint.WithMetadata(new RequestHeader(name, description, required));

    public static RouteHandlerBuilder SetsHeader(this RouteHandlerBuilder endpoint, int status, string name, string description) =>
        endpoint.WithMetadata(new ResponseHeader(status, name, description));
}
