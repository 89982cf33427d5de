using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TrialManager.Data.Trials;

namespace TrialManager.Data.Access;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user)
    {
        user.ToTable("users");
        user.Property(u => u.UserName).HasMaxLength(Limits.Code);
        user.Property(u => u.DisplayName).HasMaxLength(Limits.Title);
        user.Property(u => u.Email).HasMaxLength(Limits.Title);
        user.HasIndex(u => u.UserName).IsUnique().HasDatabaseName("ux_users_user_name");
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> token)
    {
        token.ToTable("api_tokens");
        token.Property(t => t.Name).HasMaxLength(Limits.Title);
        token.Property(t => t.Prefix).HasMaxLength(16);
        token.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Restrict);
        token.HasIndex(t => t.SecretHash).IsUnique().HasDatabaseName("ux_api_tokens_secret_hash");
        token.HasIndex(t => t.UserId);
    }
}

internal sealed class WebSessionConfiguration : IEntityTypeConfiguration<WebSession>
{
    public void Configure(EntityTypeBuilder<WebSession> session)
    {
        session.ToTable("web_sessions");
        session.HasOne(s => s.User).WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Restrict);
        session.HasOne(s => s.Token).WithMany().HasForeignKey(s => s.TokenId).OnDelete(DeleteBehavior.Restrict);
        session.HasIndex(s => s.SecretHash).IsUnique().HasDatabaseName("ux_web_sessions_secret_hash");
        session.HasIndex(s => s.TokenId);
        session.HasIndex(s => s.UserId);
    }
}

internal sealed class TrialMembershipConfiguration : IEntityTypeConfiguration<TrialMembership>
{
    public void Configure(EntityTypeBuilder<TrialMembership> membership)
    {
        membership.ToTable("trial_memberships");
        membership.Property(m => m.Role).HasMaxLength(Limits.Word);
        membership.HasOne<Trial>().WithMany().HasForeignKey(m => m.TrialId).OnDelete(DeleteBehavior.Restrict);
        membership.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Restrict);
        membership.HasIndex(m => new { m.TrialId, m.UserId }).IsUnique().HasDatabaseName("ux_trial_memberships_user_id");
        membership.HasIndex(m => m.UserId);
    }
}
