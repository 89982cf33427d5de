using System.Security.Cryptography;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// API tokens: issued by a system admin, shown once, revocable by an admin or their owner. A revoked token
/// stays listed (with when it was revoked and last used) so that access can be reconstructed later.
/// </summary>
public static class ManageTokens
{
    public sealed record CreateCommand(string? Name, DateTimeOffset? ExpiresAt, string? Reason) : ICommand<NewTokenView>, IHasReason, INotReplayable
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid UserId { get; init; }
    }

    public sealed class CreateValidator : AbstractValidator<CreateCommand>
    {
        public CreateValidator(TimeProvider clock)
        {
            RuleFor(c => c.Name).IsTitle();
            RuleFor(c => c.ExpiresAt).Must(at => at > clock.GetUtcNow()).When(c => c.ExpiresAt is not null)
                .WithErrorCode("in-future").WithMessage("'expiresAt' must be in the future.");
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed record ListQuery(Guid UserId, PageRequest Page) : IQuery<Page<TokenView>>;

    public sealed record RevokeCommand(Guid TokenId, string? Reason) : ICommand, IHasReason;

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock, RandomNumberGenerator random, CurrentUser caller,
        TokenCache cache, PagingOptions paging)
        : ICommandHandler<CreateCommand, NewTokenView>, IQueryHandler<ListQuery, Page<TokenView>>, ICommandHandler<RevokeCommand>
    {
        public async ValueTask<NewTokenView> Handle(CreateCommand command, CancellationToken ct)
        {
            if (!await db.Users.AnyAsync(u => u.Id == command.UserId, ct))
                throw ProblemException.NotFound("user");
            var now = clock.GetUtcNow();
            var secret = TokenSecret.Generate(random);
            var token = new ApiToken
            {
                Id = Guid.CreateVersion7(now), UserId = command.UserId, Name = command.Name!, SecretHash = TokenSecret.Hash(secret),
                Prefix = TokenSecret.PrefixOf(secret), CreatedAt = now, ExpiresAt = command.ExpiresAt?.ToUniversalTime(),
            };
            db.ApiTokens.Add(token);
            return new NewTokenView(token.Id, token.UserId, token.Name, token.Prefix, secret, token.CreatedAt, token.ExpiresAt);
        }

        public async ValueTask<Page<TokenView>> Handle(ListQuery query, CancellationToken ct)
        {
            if (!await db.Users.AnyAsync(u => u.Id == query.UserId, ct))
                throw ProblemException.NotFound("user");
            return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == query.UserId).ToPageAsync(query.Page, paging, TokenView.Of, ct);
        }

        /// <summary>Revoking is idempotent; a token that is not the caller's own is invisible to a non-admin.</summary>
        public async ValueTask<Unit> Handle(RevokeCommand command, CancellationToken ct)
        {
            var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == command.TokenId, ct);
            if (token is null || (!caller.IsSystemAdmin && token.UserId != caller.Id))
                throw ProblemException.NotFound("token");
            token.RevokedAt ??= clock.GetUtcNow();
            // This instance forgets the token now; the notification, delivered on commit, tells every instance that
            // listens (this one again, in case a concurrent request cached the token meanwhile). Behind a transaction
            // pooler none listens, and the others trust the token for Access:RevocationSeconds at most.
            cache.Evict(token.Id);
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({TokenRevocationListener.Channel}, {token.Id.ToString()})", ct);
            return Unit.Value;
        }
    }

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/users/{userId:guid}/tokens", async (Guid userId, CreateCommand command, IMediator mediator, CancellationToken ct) =>
            {
                var token = await mediator.Send(command with { UserId = userId }, ct);
                return TypedResults.Created($"/api/v1/tokens/{token.Id}", token);
            })
            .RequireAuthorization(AccessPolicies.SystemAdmin)
            .WithName("IssueToken")
            .WithSummary("Issue an API token for a user (system admin); the secret is in this answer only")
            .ProducesErrors(400, 403, 404, 413, 415, 422);
        api.MapGet("/users/{userId:guid}/tokens", async (Guid userId, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListQuery(userId, page), ct)))
            .RequireAuthorization(AccessPolicies.SystemAdmin)
            .WithName("ListTokens")
            .WithSummary("List a user's tokens without their secrets (system admin)")
            .ProducesErrors(403, 404, 422);
        api.MapDelete("/tokens/{tokenId:guid}", async (Guid tokenId, string? reason, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RevokeCommand(tokenId, reason), ct);
                return TypedResults.NoContent();
            })
            .WithName("RevokeToken")
            .WithSummary("Revoke a token (system admin, or the token's owner); ?reason= is recorded in the audit trail")
            .ProducesErrors(404);
    }
}
