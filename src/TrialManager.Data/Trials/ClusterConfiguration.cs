using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TrialManager.Data.Trials;

internal sealed class ClusterConfiguration : IEntityTypeConfiguration<Cluster>
{
    public void Configure(EntityTypeBuilder<Cluster> cluster)
    {
        cluster.ToTable("clusters");
        cluster.Property(c => c.Code).HasMaxLength(Limits.Code);
        cluster.Property(c => c.Covariates)
            .HasColumnType("jsonb")
            .HasConversion(c => c.ToJson(), json => Covariates.FromJson(json),
                new ValueComparer<Covariates>((a, b) => Equals(a, b), c => c.GetHashCode(), c => c));
        cluster.HasOne<Trial>().WithMany().HasForeignKey(c => c.TrialId).OnDelete(DeleteBehavior.Restrict);
        cluster.HasOne(c => c.Site).WithMany().HasForeignKey(c => c.SiteId).OnDelete(DeleteBehavior.Restrict);
        cluster.HasIndex(c => new { c.TrialId, c.Code }).IsUnique().HasDatabaseName("ux_clusters_code");
        cluster.HasIndex(c => c.SiteId);
    }
}
