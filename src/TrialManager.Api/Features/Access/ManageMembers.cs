using FluentValidation;
using Mediator;
using TrialManager.Api.Features.Blinding;
using Microsoft.AspNetCore.Http.HttpResults;
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
/// A system admin grants a user one role in a trial (PUT replaces the previous one) or removes it.
/// A researcher's grant names the trial's sites they work at; other roles see every site. A user who holds an
/// unblinding of one cluster or participant cannot be given a role that reads blinded extracts or the audit trail
/// (<see cref="BlindingRules.MayHoldPartialUnblinding"/>): the arm they know would decode the masked codes.
/// </summary>
public static class ManageMembers
{
    public sealed record GrantCommand(TrialRole? Role, IReadOnlyList<Guid>? SiteIds, string? Reason)
        : ICommand<(MemberView Member, bool Created)>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid UserId { get; init; }

        public static TrialPermission Permission => TrialPermission.ManageMembers;
    }

    public sealed class GrantValidator : AbstractValidator<GrantCommand>
    {
        public GrantValidator()
        {
            RuleFor(c => c.Role).NotNull();
            RuleFor(c => c.SiteIds).NotEmpty().When(c => c.Role == TrialRole.Researcher)
                .WithMessage("A researcher's grant names the sites they work at.");
            RuleFor(c => c.SiteIds).Empty().When(c => c.Role is not null and not TrialRole.Researcher)
                .WithMessage("Only a researcher's grant names sites; other roles see the whole trial.");
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed record RevokeCommand(Guid TrialId, Guid UserId, string? Reason) : ICommand, ITrialRequest, IHasReason
    {
        public static TrialPermission Permission => TrialPermission.ManageMembers;
    }

    public sealed record ListQuery(Guid TrialId, PageRequest Page) : IQuery<Page<MemberView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadMembers;
    }

    public sealed class Handler(TrialManagerDbContext db, CurrentUser caller, TimeProvider clock, PagingOptions paging)
        : ICommandHandler<GrantCommand, (MemberView, bool)>, ICommandHandler<RevokeCommand>, IQueryHandler<ListQuery, Page<MemberView>>
    {
        public async ValueTask<(MemberView, bool)> Handle(GrantCommand command, CancellationToken ct)
        {
            var user = await db.Users.SingleOrDefaultAsync(u => u.Id == command.UserId, ct) ?? throw ProblemException.NotFound("user");
            var siteIds = (command.SiteIds ?? []).Distinct().ToList();
            var known = await db.Sites.CountAsync(s => s.TrialId == command.TrialId && siteIds.Contains(s.Id), ct);
            if (known != siteIds.Count)
                throw ProblemException.Invalid("siteIds", "exists", "Every site must be one of this trial's sites.");

            if (!BlindingRules.MayHoldPartialUnblinding(command.Role, user.IsSystemAdmin) && await db.Unblindings.AnyAsync(u =>
                    u.TrialId == command.TrialId && u.UserId == user.Id && (u.ClusterId != null || u.ParticipantId != null), ct))
                throw ProblemException.Invalid("role", "partially-unblinded",
                    "This user holds an unblinding of one cluster or participant in this trial: a role that reads blinded extracts or the " +
                    "audit trail would let the arm they know decode the masked codes.");
            var membership = await db.TrialMemberships.SingleOrDefaultAsync(m => m.TrialId == command.TrialId && m.UserId == user.Id, ct);
            var created = membership is null;
            if (membership is null)
            {
                membership = new TrialMembership { Id = Guid.CreateVersion7(clock.GetUtcNow()), TrialId = command.TrialId, UserId = user.Id };
                db.TrialMemberships.Add(membership);
            }
            membership.Role = command.Role!.Value;
            membership.SiteIds = siteIds;
            membership.GrantedAt = clock.GetUtcNow();
            membership.GrantedBy = caller.Id;
            return (MemberView.Of(membership, user.UserName), created);
        }

        public async ValueTask<Unit> Handle(RevokeCommand command, CancellationToken ct)
        {
            var membership = await db.TrialMemberships.SingleOrDefaultAsync(m => m.TrialId == command.TrialId && m.UserId == command.UserId, ct)
                ?? throw ProblemException.NotFound("membership");
            db.TrialMemberships.Remove(membership);
            return Unit.Value;
        }

        public async ValueTask<Page<MemberView>> Handle(ListQuery query, CancellationToken ct) =>
            await db.TrialMemberships.AsNoTracking().Include(m => m.User).Where(m => m.TrialId == query.TrialId)
                .ToPageAsync(query.Page, paging, m => MemberView.Of(m, m.User!.UserName), ct);
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapPut("/members/{userId:guid}", async Task<Results<Created<MemberView>, Ok<MemberView>>> (Guid trialId, Guid userId,
                GrantCommand command, IMediator mediator, CancellationToken ct) =>
            {
                var (member, created) = await mediator.Send(command with { TrialId = trialId, UserId = userId }, ct);
                return created ? TypedResults.Created($"/api/v1/trials/{trialId}/members/{userId}", member) : TypedResults.Ok(member);
            })
            .WithName("GrantRole")
            .WithSummary("Grant a user their role in the trial (system admin)")
            .TrialWrite();
        trial.MapDelete("/members/{userId:guid}", async (Guid trialId, Guid userId, string? reason, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RevokeCommand(trialId, userId, reason), ct);
                return TypedResults.NoContent();
            })
            .WithName("RevokeRole")
            .WithSummary("Remove a user's role in the trial (system admin); ?reason= is recorded in the audit trail")
            .TrialRead();
        trial.MapGet("/members", async (Guid trialId, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListQuery(trialId, page), ct)))
            .WithName("ListMembers")
            .WithSummary("List the trial's members and their roles (trial manager, system admin)")
            .TrialRead().ProducesErrors(422);
    }
}
