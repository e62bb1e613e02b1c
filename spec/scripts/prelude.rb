# frozen_string_literal: true

# Loaded before every subprocess script (see KarafkaDoubles.run): `emit(key, value)` collects
# JSON-able results, printed as one line at exit for KarafkaDoubles::Result#data.

$stdout.sync = true

# What the script emitted, by key
EMITTED = {} # rubocop:disable Style/MutableConstant -- filled by emit

# @param key [Symbol, String]
# @param value [Object] JSON-able
# @return [void]
def emit(key, value)
  EMITTED[key.to_s] = value
end

at_exit { $stdout.puts("KARAFKA_DOUBLES_RESULT=#{JSON.generate(EMITTED)}") }
