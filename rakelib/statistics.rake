# frozen_string_literal: true

namespace :bench do
  desc "Native statistics decorator vs the in-repo reference (and karafka-core's own when " \
       "KARAFKA_CORE_SRC names a checkout): writes bench/statistics_results.md"
  task statistics: :compile do
    root = File.expand_path("..", __dir__)
    ruby "-I", File.join(root, "lib"), File.join(root, "bench/statistics.rb")
  end
end
