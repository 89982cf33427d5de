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

/// <summary>System admins create and list users. A user has no access to any trial until granted a role.</summary>
public static class ManageUsers
{
    public sealed record CreateCommand(string? UserName, string? DisplayName, string? Email, string? SystemRole, string? Reason)
        : ICommand<UserView>, IHasReason;

    public sealed class CreateValidator : AbstractValidator<CreateCommand>
    {
        public CreateValidator()
        {
            RuleFor(c => c.UserName).IsCode();
            RuleFor(c => c.DisplayName).IsTitle();
            RuleFor(c => c.Email).NotEmpty().MaximumLength(Limits.Title).EmailAddress();
            RuleFor(c => c.SystemRole).Equal(SystemRoles.Admin).When(c => c.SystemRole is not null)
                .WithMessage($"'systemRole' is either absent or \"{SystemRoles.Admin}\".");
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed record ListQuery(PageRequest Page) : IQuery<Page<UserView>>;

    public sealed record GetQuery(Guid UserId) : IQuery<UserView>;

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock, PagingOptions paging)
        : ICommandHandler<CreateCommand, UserView>, IQueryHandler<ListQuery, Page<UserView>>, IQueryHandler<GetQuery, UserView>
    {
        public ValueTask<UserView> Handle(CreateCommand command, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var user = new User
            {
                Id = Guid.CreateVersion7(now), UserName = command.UserName!, DisplayName = command.DisplayName!, Email = command.Email!,
                IsSystemAdmin = command.SystemRole == SystemRoles.Admin, CreatedAt = now,
            };
            db.Users.Add(user);
            return ValueTask.FromResult(UserView.Of(user));
        }

        public async ValueTask<Page<UserView>> Handle(ListQuery query, CancellationToken ct) =>
            await db.Users.AsNoTracking().ToPageAsync(query.Page, paging, UserView.Of, ct);

        public async ValueTask<UserView> Handle(GetQuery query, CancellationToken ct) =>
            UserView.Of(await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == query.UserId, ct) ?? throw ProblemException.NotFound("user"));
    }

    public static void Map(IEndpointRouteBuilder api)
    {
        var users = api.MapGroup("").RequireAuthorization(AccessPolicies.SystemAdmin);
        users.MapPost("/users", async (CreateCommand command, IMediator mediator, CancellationToken ct) =>
            {
                var user = await mediator.Send(command, ct);
                return TypedResults.Created($"/api/v1/users/{user.Id}", user);
            })
            .WithName("CreateUser")
            .WithSummary("Create a user (system admin)")
            .ProducesErrors(400, 403, 409, 413, 415, 422);
        users.MapGet("/users", async ([AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListQuery(page), ct)))
            .WithName("ListUsers")
            .WithSummary("List users (system admin)")
            .ProducesErrors(403, 422);
        users.MapGet("/users/{userId:guid}", async (Guid userId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetQuery(userId), ct)))
            .WithName("GetUser")
            .WithSummary("Read a user (system admin)")
            .ProducesErrors(403, 404);
    }
}
